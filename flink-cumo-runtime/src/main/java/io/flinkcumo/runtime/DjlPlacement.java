package io.flinkcumo.runtime;

import org.apache.flink.util.FlinkUserCodeClassLoader;

/**
 * Refuses the one deployment that cannot work: DJL inside a job's jar. DJL loads PyTorch's native
 * library ({@code libc10.so}, {@code libtorch_cpu.so}) into the JVM, and a JVM loads a native library
 * for one class loader only; with DJL in a job's (child-first) class loader the first job on a
 * TaskManager runs, and every later one fails with {@code UnsatisfiedLinkError: ... already loaded in
 * another classloader} until the TaskManager restarts. DJL belongs on the TaskManager's parent
 * classpath (Flink's {@code lib/}: {@code flink-cumo-udfs-VERSION-djl.jar}); CuMo's own classes may be
 * in {@code lib/}, a job jar or an {@code ADD JAR}.
 */
final class DjlPlacement {

    /** A DJL class that is loaded, not initialised, to see where DJL comes from. */
    static final String DJL_CLASS = "ai.djl.engine.Engine";

    static final String WHAT_TO_DO = "put flink-cumo-udfs-<version>-djl.jar into Flink's lib/ on every"
            + " TaskManager (then restart them) and submit or ADD JAR only the -plugin.jar or -job.jar, which"
            + " contain no DJL (docs/flink.md, Deployment)";

    private DjlPlacement() {}

    /** Checks where CuMo's class loader finds DJL. */
    static void check() {
        check(DjlPlacement.class.getClassLoader());
    }

    /**
     * @param loader the class loader CuMo's classes come from
     * @throws IllegalStateException saying what to do if DJL is missing or comes from a job's jar
     */
    static void check(ClassLoader loader) {
        Class<?> djl;
        try {
            djl = Class.forName(DJL_CLASS, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("CuMo needs DJL, which is not on this TaskManager's classpath: " + WHAT_TO_DO, e);
        }
        if (djl.getClassLoader() instanceof FlinkUserCodeClassLoader) {
            throw new IllegalStateException("CuMo refuses to load DJL from this job's jar (" + djl.getClassLoader()
                    + "): PyTorch's native library loads once per JVM, so every later job on this TaskManager would fail"
                    + " with UnsatisfiedLinkError. Remove DJL from the job's jars and " + WHAT_TO_DO);
        }
    }
}

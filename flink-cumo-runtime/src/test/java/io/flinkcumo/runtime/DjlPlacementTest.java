package io.flinkcumo.runtime;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import java.net.URL;
import org.apache.flink.util.FlinkUserCodeClassLoader;
import org.apache.flink.util.FlinkUserCodeClassLoaders;
import org.apache.flink.util.MutableURLClassLoader;
import org.junit.jupiter.api.Test;

/** DJL from the parent classpath is accepted; DJL from a job's class loader, or none, is refused with what to do. */
class DjlPlacementTest {

    @Test
    void acceptsDjlOnTheParentClasspath() {
        assertThatCode(() -> DjlPlacement.check(DjlPlacementTest.class.getClassLoader())).doesNotThrowAnyException();
    }

    @Test
    void refusesDjlFromAJobsChildFirstClassLoader() throws Exception {
        URL djlJar = Engine.class.getProtectionDomain().getCodeSource().getLocation();
        try (MutableURLClassLoader job = FlinkUserCodeClassLoaders.childFirst(new URL[] {djlJar},
                DjlPlacementTest.class.getClassLoader(), new String[0], FlinkUserCodeClassLoader.NOOP_EXCEPTION_HANDLER, false)) {
            assertThatThrownBy(() -> DjlPlacement.check(job))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refuses to load DJL from this job's jar")
                    .hasMessageContaining("UnsatisfiedLinkError")
                    .hasMessageContaining("flink-cumo-udfs-<version>-djl.jar into Flink's lib/");
        }
    }

    @Test
    void refusesAClasspathWithoutDjl() throws Exception {
        try (MutableURLClassLoader job = FlinkUserCodeClassLoaders.childFirst(new URL[0],
                ClassLoader.getPlatformClassLoader(), new String[0], FlinkUserCodeClassLoader.NOOP_EXCEPTION_HANDLER, false)) {
            assertThatThrownBy(() -> DjlPlacement.check(job))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("CuMo needs DJL, which is not on this TaskManager's classpath")
                    .hasMessageContaining("flink-cumo-udfs-<version>-djl.jar into Flink's lib/");
        }
    }
}

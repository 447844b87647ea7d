package io.flinkcumo.engine;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps DJL's CUDA probe quiet on CPU-only hosts. DJL asks {@code ai.djl.util.cuda.CudaUtils} for
 * the GPU count several times per model load; on a host that has a CUDA runtime library
 * ({@code libcudart}, e.g. from another install) but no NVIDIA driver, every probe logs
 * "Failed to detect GPU count: CUDA driver version is insufficient ..." at WARN. Without the
 * NVIDIA kernel driver ({@code /proc/driver/nvidia}) no GPU can be used, so the probe's logging is
 * turned off, as DJL's own {@code CudaUtils.main} does; hosts with the driver keep every warning.
 */
final class CudaProbe {

    private static final Logger LOG = LoggerFactory.getLogger(CudaProbe.class);
    private static final Path NVIDIA_DRIVER = Path.of("/proc/driver/nvidia");

    private CudaProbe() {}

    /** Quiets the probe if this host has no NVIDIA driver; true if it did. */
    static boolean quietOnCpuOnlyHost() {
        return quietIfMissing(NVIDIA_DRIVER);
    }

    /** Quiets the probe if {@code driver} does not exist; true if it did. */
    static boolean quietIfMissing(Path driver) {
        if (Files.exists(driver)) {
            return false;
        }
        try {
            Field logging = Class.forName("ai.djl.util.cuda.CudaUtils").getDeclaredField("logging");
            logging.setAccessible(true);
            logging.setBoolean(null, false);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.debug("could not quiet DJL's CUDA probe (its warnings stay): {}", e.toString());
            return false;
        }
    }
}

package io.flinkcumo.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.util.cuda.CudaUtils;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaProbeTest {

    @TempDir
    Path tmp;

    private static Field logging() throws Exception {
        Field f = CudaUtils.class.getDeclaredField("logging");
        f.setAccessible(true);
        return f;
    }

    @AfterEach
    void restore() throws Exception {
        logging().setBoolean(null, true);
    }

    @Test
    void withoutTheNvidiaDriverDjlsCudaProbeLogsNoWarning() throws Exception {
        assertThat(CudaProbe.quietIfMissing(tmp.resolve("no-driver"))).isTrue();
        assertThat(logging().getBoolean(null)).isFalse();
        try (LogCapture logs = LogCapture.of("WARN", "ai.djl")) {
            CudaUtils.getGpuCount();
            CudaUtils.getGpuCount();
            assertThat(logs.events()).isEmpty();
        }
    }

    @Test
    void withTheNvidiaDriverEveryWarningStays() throws Exception {
        Path driver = Files.createDirectories(tmp.resolve("nvidia"));
        assertThat(CudaProbe.quietIfMissing(driver)).isFalse();
        assertThat(logging().getBoolean(null)).isTrue();
    }

    @Test
    void loadingAModelOnTheCpuLogsNothingFromTheCudaProbeOnThisHost() throws Exception {
        boolean cpuOnly = !Files.exists(Path.of("/proc/driver/nvidia"));
        try (LogCapture logs = LogCapture.of("WARN", "ai.djl.util.cuda");
                LlavaModel model = LlavaModel.load(Conformance.testdata().getParent().resolve("models/cumo-shapes"))) {
            assertThat(model).isNotNull();
            if (cpuOnly) {
                assertThat(logs.events()).as("WARNs of DJL's CUDA probe on a host without the NVIDIA driver").isEmpty();
            }
        }
    }
}

package io.flinkcumo.cli;

import ai.djl.Device;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.jobs.ModelFlags;
import io.flinkcumo.runtime.core.DeviceSelector;
import io.flinkcumo.runtime.core.DeviceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import picocli.CommandLine.Mixin;

/** The model flags ({@link ModelFlags}) of the commands that load a model in this process, without Flink. */
final class ModelOptions {

    @Mixin
    ModelFlags flags = new ModelFlags();

    /**
     * The bundled small model: {@code $CUMO_HOME/models/cumo-shapes}, a co-upcycled CuMo model
     * trained with the three-stage recipe on the synthetic shapes dataset (docs/training.md).
     */
    static Path bundledModel() {
        return home().resolve("models/cumo-shapes");
    }

    /** The repository / installation root ({@code -Dcumo.home}, set by bin/cumo), else the working directory. */
    static Path home() {
        String home = System.getProperty("cumo.home");
        return home != null ? Paths.get(home) : Paths.get("").toAbsolutePath();
    }

    Path modelDir() {
        Path dir = flags.path != null ? Path.of(flags.path) : bundledModel();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model directory " + dir + " does not exist");
        }
        return dir;
    }

    /** {@code --device}, with {@code auto} resolved as a TaskManager without GPUs resolves it: the CPU. */
    DeviceSpec device() {
        return DeviceSelector.select(flags.device, 0, List.of());
    }

    Device djlDevice() {
        return device().toDjlDevice();
    }

    Precision precision() {
        return flags.precision;
    }

    CumoEngine load() throws IOException {
        return CumoEngine.load(modelDir(), djlDevice(), precision(), ImageDecoder.Limits.DEFAULT);
    }
}

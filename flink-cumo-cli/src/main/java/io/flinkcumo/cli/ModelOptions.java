package io.flinkcumo.cli;

import ai.djl.Device;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Options shared by commands that load a model. */
final class ModelOptions {

    @Option(names = "--model", description = "CuMo model directory (default: the bundled small model).")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda:N (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", defaultValue = "AUTO", description = "auto (fp32 on CPU, fp16 on GPU), fp32, fp16, int8 (weight-only: int8 Linear weights with per-channel "
                    + "scales, float32 compute; a quarter of the fp32 weight memory) or bf16 (bfloat16 Linear weights and matmuls, "
                    + "float32 elsewhere; half the fp32 weight memory, fast on CPUs with avx512_bf16 or AMX).",
            converter = PrecisionConverter.class)
    Precision precision;

    static final class PrecisionConverter implements picocli.CommandLine.ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            try {
                return Precision.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("expected auto, fp32, fp16, int8 or bf16, got '" + value + "'");
            }
        }
    }

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
        Path dir = model != null ? model : bundledModel();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model directory " + dir + " does not exist");
        }
        return dir;
    }

    Device parseDevice() {
        if (device.equals("cpu")) {
            return Device.cpu();
        }
        if (device.startsWith("cuda:")) {
            io.flinkcumo.runtime.DeviceSpec spec;
            try {
                spec = io.flinkcumo.runtime.DeviceSpec.parse(device);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--device must be cpu or cuda:N with N a device index (at most 9 digits), got '"
                        + device + "'");
            }
            return Device.gpu(spec.cudaIndex());
        }
        throw new IllegalArgumentException("--device must be cpu or cuda:N, got '" + device + "'");
    }

    CumoEngine load() throws IOException {
        return CumoEngine.load(modelDir(), parseDevice(), precision, ImageDecoder.Limits.DEFAULT);
    }
}

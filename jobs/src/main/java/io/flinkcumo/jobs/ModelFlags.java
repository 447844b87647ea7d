package io.flinkcumo.jobs;

import io.flinkcumo.engine.Precision;
import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.DeviceSpec;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --model}, {@code --device} and {@code --precision}: the one definition of the model flags,
 * a picocli mixin of every job's options and of the commands that load a model. The defaults are
 * those of the {@code device} and {@code precision} options ({@link CumoRuntimeOptions}), parsed
 * with the options' own parsers.
 */
public class ModelFlags {

    @Option(names = "--model",
            description = "CuMo checkpoint directory (bin/cumo: default the bundled small model; flink run: required,"
                    + " readable on every TaskManager).")
    public String path;

    @Option(names = "--device", converter = DeviceConverter.class,
            description = "cpu, cuda:N, or auto: a GPU Flink assigned to the TaskManager, else the CPU (default ${DEFAULT-VALUE}).")
    public DeviceSpec device = DeviceSpec.parse(CumoRuntimeOptions.DEVICE.defaultValue());

    @Option(names = "--precision", converter = PrecisionConverter.class,
            description = "auto (fp32 on CPU, fp16 on GPU), fp32, fp16, int8 (weight-only: int8 Linear weights with"
                    + " per-channel scales, float32 compute; a quarter of the fp32 weight memory) or bf16 (bfloat16 Linear"
                    + " weights and matmuls, float32 elsewhere; half the fp32 weight memory, fast on CPUs with avx512_bf16"
                    + " or AMX) (default ${DEFAULT-VALUE}).")
    public Precision precision = CumoRuntimeOptions.PRECISION.defaultValue();

    /** Parses {@code --device} as the {@code device} option does. */
    public static final class DeviceConverter implements ITypeConverter<DeviceSpec> {
        @Override
        public DeviceSpec convert(String value) {
            try {
                return DeviceSpec.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses {@code --precision} ignoring case, as the {@code precision} option does. */
    public static final class PrecisionConverter implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            try {
                return Precision.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected auto, fp32, fp16, int8 or bf16, got '" + value + "'");
            }
        }
    }
}

package io.flinkcumo.engine;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Compute precision of the weights and activations; {@link #AUTO} is FP32 on CPU, FP16 on GPU.
 * {@link #INT8} is weight-only: every Linear weight is held as int8 with one float32 scale per
 * output channel (a quarter of the float32 weight memory) and dequantised per layer into the
 * float32 matmul; activations, norms, embeddings and routers stay float32. BF16 is not offered:
 * DJL 0.36's JNI maps no dtype code to torch's BFloat16 ({@code GetScalarTypeFromDType} ends in a
 * bare {@code throw;}, i.e. std::terminate), so any BF16 tensor aborts the JVM.
 */
public enum Precision {
    AUTO, FP32, FP16, INT8;

    /** True when Linear weights are stored as int8 with per-channel scales. */
    public boolean int8Weights() {
        return this == INT8;
    }

    /** The concrete data type for {@code device}. */
    public DataType dataType(Device device) {
        return switch (this) {
            case FP32, INT8 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
            case AUTO -> device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
        };
    }
}

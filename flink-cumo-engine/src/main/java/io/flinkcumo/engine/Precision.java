package io.flinkcumo.engine;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Compute precision of the weights and activations; {@link #AUTO} is FP32 on CPU, FP16 on GPU.
 * {@link #INT8} is weight-only: every Linear weight is held as int8 with one float32 scale per
 * output channel (a quarter of the float32 weight memory) and dequantised per layer into the
 * float32 matmul. {@link #BF16} holds every Linear weight as bfloat16 (half the float32 memory) and
 * runs each Linear's matmul in bfloat16 (its input rounded to bfloat16, its output widened back):
 * fast on CPUs with avx512_bf16 or AMX. In both, activations, norms, embeddings, lm_head and
 * routers stay float32. (DJL 0.36 cannot name the bfloat16 dtype: see {@link io.flinkcumo.engine.model.BFloat16}.)
 */
public enum Precision {
    AUTO, FP32, FP16, INT8, BF16;

    /** True when Linear weights are stored as bfloat16 and multiplied in bfloat16. */
    public boolean bf16Weights() {
        return this == BF16;
    }

    /** True when Linear weights are stored as int8 with per-channel scales. */
    public boolean int8Weights() {
        return this == INT8;
    }

    /** Bytes per element of a stored Linear weight on {@code device}. */
    public int linearWeightBytes(Device device) {
        return switch (this) {
            case INT8 -> 1;
            case BF16 -> 2;
            default -> dataType(device).getNumOfBytes();
        };
    }

    /** The concrete data type for {@code device}. */
    public DataType dataType(Device device) {
        return switch (this) {
            case FP32, INT8, BF16 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
            case AUTO -> device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
        };
    }
}

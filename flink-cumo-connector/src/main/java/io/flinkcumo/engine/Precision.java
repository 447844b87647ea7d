package io.flinkcumo.engine;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/** Compute precision of the weights and activations; {@link #AUTO} is FP32 on CPU, FP16 on GPU. */
public enum Precision {
    AUTO, FP32, FP16;

    /** The concrete data type for {@code device}. */
    public DataType dataType(Device device) {
        return switch (this) {
            case FP32 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
            case AUTO -> device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
        };
    }
}

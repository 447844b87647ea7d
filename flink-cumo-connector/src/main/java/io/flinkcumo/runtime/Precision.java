package io.flinkcumo.runtime;

import java.util.Locale;

/** Values of the {@code precision} option. */
public enum Precision {
  /** fp16 on CUDA, fp32 on the CPU. */
  AUTO,
  /** 32-bit floats. */
  FP32,
  /** 16-bit floats (CUDA only in practice). */
  FP16;

  /** Resolves {@link #AUTO} for a concrete device. */
  public Precision resolve(DeviceSpec device) {
    if (this != AUTO) {
      return this;
    }
    return device.kind() == DeviceSpec.Kind.CUDA ? FP16 : FP32;
  }

  /** The option form, e.g. {@code fp16}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}

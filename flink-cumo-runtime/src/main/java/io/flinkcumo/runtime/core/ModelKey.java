package io.flinkcumo.runtime.core;

import java.util.Locale;
import java.util.Objects;

/**
 * Identity of one loaded model copy inside a JVM: the same checkpoint on the same device at the same
 * precision is loaded once and shared by every subtask that asks for it.
 *
 * @param modelPath the checkpoint directory, as configured (not canonicalised)
 * @param device the resolved device, for example {@code cpu} or {@code cuda:0}, never {@code auto}
 * @param precision the resolved precision, for example {@code fp32} or {@code fp16}
 */
public record ModelKey(String modelPath, String device, String precision) {

    /** Validates the components and normalises device and precision to lower case. */
    public ModelKey {
        Objects.requireNonNull(modelPath, "modelPath");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(precision, "precision");
        if (modelPath.isBlank()) {
            throw new IllegalArgumentException("model path must not be blank");
        }
        device = device.toLowerCase(Locale.ROOT);
        precision = precision.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return modelPath + " on " + device + " (" + precision + ")";
    }
}

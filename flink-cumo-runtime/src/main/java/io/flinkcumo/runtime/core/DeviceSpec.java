package io.flinkcumo.runtime.core;

import ai.djl.Device;
import io.flinkcumo.engine.Precision;
import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A device as written in the {@code device} option: {@code auto}, {@code cpu} or {@code cuda:N}.
 *
 * @param kind what sort of device
 * @param cudaIndex the CUDA device index for {@link Kind#CUDA}, otherwise -1
 */
public record DeviceSpec(Kind kind, int cudaIndex) implements Serializable {

    /** Let {@link DeviceSelector} choose from the GPUs Flink assigned to the TaskManager. */
    public static final DeviceSpec AUTO = new DeviceSpec(Kind.AUTO, -1);

    /** The CPU. */
    public static final DeviceSpec CPU = new DeviceSpec(Kind.CPU, -1);

    private static final Pattern CUDA = Pattern.compile("cuda:(\\d{1,9})");

    /** The sort of device. */
    public enum Kind {
        /** To be resolved by {@link DeviceSelector}. */
        AUTO,
        /** The CPU. */
        CPU,
        /** One CUDA GPU. */
        CUDA
    }

    /** Checks that only CUDA devices carry an index. */
    public DeviceSpec {
        if (kind == null) {
            throw new IllegalArgumentException("device kind must not be null");
        }
        if (kind == Kind.CUDA ? cudaIndex < 0 : cudaIndex != -1) {
            throw new IllegalArgumentException(
                    "invalid device " + kind + " with index " + cudaIndex + "; only cuda has an index >= 0");
        }
    }

    /** The CUDA device {@code cuda:index}. */
    public static DeviceSpec cuda(int index) {
        return new DeviceSpec(Kind.CUDA, index);
    }

    /**
     * Parses the {@code device} option, ignoring case and surrounding blanks.
     *
     * @throws IllegalArgumentException naming the accepted forms if {@code text} is not one of them
     */
    public static DeviceSpec parse(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            default:
                Matcher cuda = CUDA.matcher(value);
                if (cuda.matches()) {
                    return cuda(Integer.parseInt(cuda.group(1)));
                }
                throw new IllegalArgumentException(
                        "device must be 'auto', 'cpu' or 'cuda:<index>' (for example cuda:0), got '"
                                + text
                                + "'");
        }
    }

    /**
     * Resolves {@link Precision#AUTO} for this device: fp16 on CUDA, fp32 on the CPU; an explicit
     * precision is kept.
     *
     * @throws IllegalStateException if this device is still {@code auto}
     */
    public Precision resolve(Precision requested) {
        requireConcrete();
        if (requested != Precision.AUTO) {
            return requested;
        }
        return kind == Kind.CUDA ? Precision.FP16 : Precision.FP32;
    }

    /**
     * The DJL device to load the model on.
     *
     * @throws IllegalStateException if this device is still {@code auto}
     */
    public Device toDjlDevice() {
        requireConcrete();
        return kind == Kind.CUDA ? Device.gpu(cudaIndex) : Device.cpu();
    }

    private void requireConcrete() {
        if (kind == Kind.AUTO) {
            throw new IllegalStateException("device 'auto' must be resolved first (DeviceSelector)");
        }
    }

    /** The option form: {@code auto}, {@code cpu} or {@code cuda:N}. */
    @Override
    public String toString() {
        return kind == Kind.CUDA ? "cuda:" + cudaIndex : kind.name().toLowerCase(Locale.ROOT);
    }
}

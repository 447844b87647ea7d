package io.flinkcumo.runtime.core;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Chooses the device a subtask runs the model on. Flink-free; {@link io.flinkcumo.runtime.FlinkDevices} feeds it from a
 * task's runtime context.
 *
 * <p>An explicit {@code cpu} or {@code cuda:N} always wins. {@code auto} picks {@code
 * cuda:gpus[subtask % gpus.size()]} over the GPU indices Flink assigned to the TaskManager (sorted,
 * so every subtask sees the same order), or the CPU when there are none.
 *
 * <p>Flink assigns GPUs per TaskManager, not per slot, and subtask indices are global to the job, so
 * with several TaskManagers the modulo spreads subtasks evenly only when each TaskManager runs a
 * contiguous, equally sized share of subtasks. One slot per GPU is the simplest safe layout.
 */
public final class DeviceSelector {

    private DeviceSelector() {}

    /**
     * Resolves the {@code device} option text.
     *
     * @see #select(DeviceSpec, int, List)
     */
    public static DeviceSpec select(String deviceOption, int subtaskIndex, List<Integer> gpuIndices) {
        return select(DeviceSpec.parse(deviceOption), subtaskIndex, gpuIndices);
    }

    /**
     * Resolves a requested device to a concrete one.
     *
     * @param requested the configured device
     * @param subtaskIndex the subtask's index, from 0
     * @param gpuIndices the TaskManager's GPU indices, in ascending order (see {@link #gpuIndices})
     * @return {@code cpu} or {@code cuda:N}, never {@code auto}
     */
    public static DeviceSpec select(DeviceSpec requested, int subtaskIndex, List<Integer> gpuIndices) {
        Objects.requireNonNull(requested, "requested");
        Objects.requireNonNull(gpuIndices, "gpuIndices");
        if (subtaskIndex < 0) {
            throw new IllegalArgumentException("subtask index must be >= 0, got " + subtaskIndex);
        }
        if (requested.kind() != DeviceSpec.Kind.AUTO) {
            return requested;
        }
        if (gpuIndices.isEmpty()) {
            return DeviceSpec.CPU;
        }
        return DeviceSpec.cuda(gpuIndices.get(subtaskIndex % gpuIndices.size()));
    }

    /**
     * Parses the {@code index} properties of Flink's {@code gpu} external resources.
     *
     * @param indexProperties one value per GPU; null marks a GPU without an index property
     * @return distinct indices in ascending order
     * @throws IllegalArgumentException if a value is missing, not a number, or negative
     */
    public static List<Integer> gpuIndices(Collection<String> indexProperties) {
        TreeSet<Integer> indices = new TreeSet<>();
        for (String property : indexProperties) {
            if (property == null) {
                throw new IllegalArgumentException(
                        "a 'gpu' external resource has no 'index' property; check the GPU discovery script");
            }
            int index;
            try {
                index = Integer.parseInt(property.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "a 'gpu' external resource has a malformed index '" + property + "'", e);
            }
            if (index < 0) {
                throw new IllegalArgumentException(
                        "a 'gpu' external resource has a negative index " + index);
            }
            indices.add(index);
        }
        return List.copyOf(indices);
    }
}

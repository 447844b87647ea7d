package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.DeviceSelector;
import io.flinkcumo.runtime.core.DeviceSpec;

import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.table.functions.FunctionContext;

/**
 * Adapts {@link DeviceSelector} to Flink: reads the subtask index and the TaskManager's {@value
 * #GPU_RESOURCE} external resources (each with an {@value #INDEX_PROPERTY} property, as Flink's
 * {@code GPUDriver} provides them).
 */
public final class FlinkDevices {

    /** The external resource name configured with {@code external-resources: gpu}. */
    public static final String GPU_RESOURCE = "gpu";

    /** The property of a GPU resource that holds its CUDA index. */
    public static final String INDEX_PROPERTY = "index";

    private FlinkDevices() {}

    /** Chooses the device for a DataStream function's subtask. */
    public static DeviceSpec select(DeviceSpec requested, RuntimeContext context) {
        return select(
                requested,
                context.getTaskInfo().getIndexOfThisSubtask(),
                context.getExternalResourceInfos(GPU_RESOURCE));
    }

    /** Chooses the device for a Table/SQL function's subtask. */
    public static DeviceSpec select(DeviceSpec requested, FunctionContext context) {
        return select(
                requested,
                context.getTaskInfo().getIndexOfThisSubtask(),
                context.getExternalResourceInfos(GPU_RESOURCE));
    }

    /**
     * Chooses the device from a subtask index and the TaskManager's GPU resources.
     *
     * @see DeviceSelector#select(DeviceSpec, int, List)
     */
    public static DeviceSpec select(
            DeviceSpec requested, int subtaskIndex, Collection<ExternalResourceInfo> gpus) {
        if (requested.kind() != DeviceSpec.Kind.AUTO) {
            return requested;
        }
        List<String> indices =
                gpus.stream().map(gpu -> gpu.getProperty(INDEX_PROPERTY).orElse(null)).toList();
        return DeviceSelector.select(requested, subtaskIndex, DeviceSelector.gpuIndices(indices));
    }
}

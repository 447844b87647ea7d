package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.DeviceSelector;
import io.flinkcumo.runtime.core.DeviceSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

class DeviceSelectorTest {

    @Test
    void autoSpreadsSubtasksOverTheGpus() {
        List<Integer> gpus = List.of(0, 1);
        assertThat(DeviceSelector.select("auto", 0, gpus)).isEqualTo(DeviceSpec.cuda(0));
        assertThat(DeviceSelector.select("auto", 1, gpus)).isEqualTo(DeviceSpec.cuda(1));
        assertThat(DeviceSelector.select("auto", 2, gpus)).isEqualTo(DeviceSpec.cuda(0));
        assertThat(DeviceSelector.select("AUTO", 5, List.of(4, 6, 7))).hasToString("cuda:7");
    }

    @Test
    void autoFallsBackToTheCpuWithoutGpus() {
        assertThat(DeviceSelector.select("auto", 3, List.of())).isEqualTo(DeviceSpec.CPU);
    }

    @Test
    void explicitDevicesWin() {
        assertThat(DeviceSelector.select("cpu", 0, List.of(0, 1))).isEqualTo(DeviceSpec.CPU);
        assertThat(DeviceSelector.select(" CUDA:3 ", 0, List.of())).isEqualTo(DeviceSpec.cuda(3));
    }

    @Test
    void malformedDevicesAreRejectedClearly() {
        for (String bad : Arrays.asList("gpu", "cuda", "cuda:", "cuda:-1", "cuda:x", "", null)) {
            assertThatThrownBy(() -> DeviceSpec.parse(bad))
                    .as(String.valueOf(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("device must be 'auto', 'cpu' or 'cuda:<index>' (for example cuda:0), got '"
                            + bad + "'");
        }
        assertThatThrownBy(() -> DeviceSelector.select("auto", -1, List.of()))
                .hasMessage("subtask index must be >= 0, got -1");
    }

    @Test
    void gpuIndicesAreSortedAndChecked() {
        assertThat(DeviceSelector.gpuIndices(List.of("3", "1", " 2", "1"))).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> DeviceSelector.gpuIndices(List.of("0", "a")))
                .hasMessage("a 'gpu' external resource has a malformed index 'a'");
        assertThatThrownBy(() -> DeviceSelector.gpuIndices(List.of("-2")))
                .hasMessage("a 'gpu' external resource has a negative index -2");
        assertThatThrownBy(() -> DeviceSelector.gpuIndices(Arrays.asList("0", null)))
                .hasMessageContaining("has no 'index' property");
    }

    @Test
    void flinkGpuResourcesDriveAutoSelection() {
        Set<ExternalResourceInfo> gpus = Set.of(gpu("3"), gpu("1"));
        assertThat(FlinkDevices.select(DeviceSpec.parse("auto"), 0, gpus)).isEqualTo(DeviceSpec.cuda(1));
        assertThat(FlinkDevices.select(DeviceSpec.parse("auto"), 1, gpus)).isEqualTo(DeviceSpec.cuda(3));
        assertThat(FlinkDevices.select(DeviceSpec.parse("auto"), 0, Set.of())).isEqualTo(DeviceSpec.CPU);
        assertThat(FlinkDevices.select(DeviceSpec.parse("cuda:0"), 1, gpus)).isEqualTo(DeviceSpec.cuda(0));
        assertThatThrownBy(() -> FlinkDevices.select(DeviceSpec.parse("auto"), 0, Set.of(resource(Map.of()))))
                .hasMessageContaining("has no 'index' property");
        assertThatThrownBy(() -> DeviceSpec.parse("tpu"))
                .hasMessageContaining("got 'tpu'");
    }

    private static ExternalResourceInfo gpu(String index) {
        return resource(Map.of(FlinkDevices.INDEX_PROPERTY, index));
    }

    private static ExternalResourceInfo resource(Map<String, String> properties) {
        return new ExternalResourceInfo() {
            @Override
            public Optional<String> getProperty(String key) {
                return Optional.ofNullable(properties.get(key));
            }

            @Override
            public Collection<String> getKeys() {
                return properties.keySet();
            }
        };
    }
}

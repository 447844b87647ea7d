package io.flinkcumo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.PhaseCost;
import org.junit.jupiter.api.Test;

/** {@code cumo bench}'s roofline: the peak is measured in the run, and each phase's rate is its work over its time. */
class BenchRooflineTest {

    @Test
    void benchReportsThePeakAndEachPhasesShareOfIt() throws Exception {
        CliRun run = CliRun.of("bench", "--batch", "2", "--requests", "2", "--max-new-tokens", "3", "--gemm-size", "256");
        assertThat(run.code()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        ObjectMapper json = new ObjectMapper();
        JsonNode peak = json.readTree(lines[0]);
        assertThat(peak.get("bench").asText()).isEqualTo("roofline");
        assertThat(peak.get("cpu").asText()).isEqualTo(Roofline.cpuModel()).isNotBlank();
        assertThat(peak.get("gemm_n").asInt()).isEqualTo(256);
        assertThat(peak.get("gemm_fp32_gflops").asDouble()).isPositive();
        assertThat(peak.get("memory_gbps").asDouble()).isPositive();

        JsonNode batch = json.readTree(lines[1]);
        JsonNode r = batch.get("roofline");
        CumoConfig c = CumoConfig.load(ModelOptions.bundledModel());
        double visionS = batch.get("split_s").get("vision_projector").asDouble();
        double expected = 2 * (PhaseCost.visionFlopsPerImage(c) + PhaseCost.projectorFlopsPerImage(c)) / visionS / 1e9;
        // split_s is rounded to the millisecond
        assertThat(r.get("vision_projector_gflops").asDouble()).isCloseTo(expected, within(expected * 0.05 + 0.002));
        assertThat(r.get("vision_projector_of_gemm_peak").asDouble())
                .isCloseTo(r.get("vision_projector_gflops").asDouble() / peak.get("gemm_fp32_gflops").asDouble(), within(0.01));
        assertThat(r.get("prefill_gflops").asDouble()).isPositive();
        assertThat(r.get("decode_gbps").asDouble()).isPositive();
        // a loaded machine can make this ratio round to 0.000; it must still be the rate over the peak
        assertThat(r.get("decode_of_memory_peak").asDouble())
                .isCloseTo(r.get("decode_gbps").asDouble() / peak.get("memory_gbps").asDouble(), within(0.001));
    }

    @Test
    void aBf16RunIsMeasuredAgainstTheBf16MatmulPeak() throws Exception {
        CliRun run = CliRun.of("bench", "--precision", "bf16", "--batch", "1", "--requests", "1", "--max-new-tokens", "2", "--gemm-size", "256");
        assertThat(run.code()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        ObjectMapper json = new ObjectMapper();
        JsonNode peak = json.readTree(lines[0]);
        assertThat(peak.get("gemm_bf16_gflops").asDouble()).isPositive();
        JsonNode batch = json.readTree(lines[1]);
        assertThat(batch.get("impl").asText()).isEqualTo("flink-cumo-djl-bf16");
        JsonNode r = batch.get("roofline");
        assertThat(r.get("vision_projector_of_gemm_peak").asDouble())
                .isCloseTo(r.get("vision_projector_gflops").asDouble() / peak.get("gemm_bf16_gflops").asDouble(), within(0.01));
    }

    @Test
    void noRooflineSkipsTheMeasurement() {
        CliRun run = CliRun.of("bench", "--batch", "1", "--requests", "1", "--max-new-tokens", "2", "--no-roofline");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out().strip().split("\n")).hasSize(1);
        assertThat(run.out()).doesNotContain("roofline");
    }
}

package io.flinkcumo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkcumo.engine.Precision;
import io.flinkcumo.eval.BenchTasks;
import io.flinkcumo.jobs.BenchmarkOptions;
import io.flinkcumo.jobs.CaptionOptions;
import io.flinkcumo.jobs.ModelFlags;
import io.flinkcumo.jobs.ModerationOptions;
import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.DeviceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The model flags are defined once ({@link ModelFlags}) and default to the SQL options' defaults:
 * a job started without flags runs with exactly the settings a SQL function without options gets.
 */
class ModelFlagsTest {

    private static final Map<String, String> SQL = Map.of("model-path", "/models/cumo");

    @Test
    void aJobWithoutFlagsRunsWithTheSqlDefaults() {
        CaptionOptions caption = new CaptionOptions();
        new CommandLine(caption).parseArgs("--input", "in.parquet", "--output", "out");
        assertThat(caption.settings("/models/cumo")).isEqualTo(CumoRuntimeOptions.settings(SQL));

        ModerationOptions moderation = new ModerationOptions();
        new CommandLine(moderation).parseArgs("--bootstrap-servers", "localhost:9092");
        assertThat(moderation.settings("/models/cumo")).isEqualTo(CumoRuntimeOptions.settings(SQL));

        BenchmarkOptions benchmark = new BenchmarkOptions();
        new CommandLine(benchmark).parseArgs("--task", "pope", "--input", "in", "--output", "out");
        CumoSettings bench = benchmark.settings("/models/cumo", BenchTasks.byName("pope"));
        CumoSettings sql = CumoRuntimeOptions.settings(SQL);
        assertThat(bench.device()).isEqualTo(sql.device());
        assertThat(bench.precision()).isEqualTo(sql.precision());
        assertThat(bench.batcher()).isEqualTo(sql.batcher());
        assertThat(bench.serving()).isEqualTo(sql.serving());
    }

    @Test
    void theFlagsDefaultToTheOptionsDefaults() {
        ModelFlags flags = new ModelFlags();
        new CommandLine(flags).parseArgs();
        assertThat(flags.device).isEqualTo(DeviceSpec.parse(CumoRuntimeOptions.DEVICE.defaultValue()));
        assertThat(flags.precision).isEqualTo(CumoRuntimeOptions.PRECISION.defaultValue());
        assertThat(flags.path).isNull();

        ModelOptions model = new ModelOptions();
        new CommandLine(model).parseArgs();
        assertThat(model.flags.device).isEqualTo(flags.device);
        assertThat(model.device()).as("auto without Flink's GPUs").isEqualTo(DeviceSpec.CPU);
        assertThat(model.precision()).isEqualTo(flags.precision);

        CaptionOptions caption = new CaptionOptions();
        assertThat(caption.maxBatchSize).isEqualTo(CumoRuntimeOptions.MAX_BATCH_SIZE.defaultValue());
        assertThat(caption.maxNewTokens).isEqualTo(CumoRuntimeOptions.MAX_NEW_TOKENS.defaultValue());
        assertThat(new ModerationOptions().maxBatchSize).isEqualTo(CumoRuntimeOptions.MAX_BATCH_SIZE.defaultValue());
        assertThat(new BenchmarkOptions().maxBatchSize).isEqualTo(CumoRuntimeOptions.MAX_BATCH_SIZE.defaultValue());
    }

    @Test
    void everyCommandHasTheSameModelFlags() {
        CommandLine cli = new CommandLine(new CumoCli());
        List<String> withFlags = new ArrayList<>();
        OptionSpec device = null;
        OptionSpec precision = null;
        for (var entry : cli.getSubcommands().entrySet()) {
            OptionSpec d = entry.getValue().getCommandSpec().findOption("--device");
            if (d == null) {
                continue;
            }
            withFlags.add(entry.getKey());
            OptionSpec p = entry.getValue().getCommandSpec().findOption("--precision");
            assertThat(p).as(entry.getKey() + " --precision").isNotNull();
            assertThat(entry.getValue().getCommandSpec().findOption("--model")).as(entry.getKey() + " --model").isNotNull();
            if (device == null) {
                device = d;
                precision = p;
            }
            assertThat(d.description()).as(entry.getKey() + " --device").isEqualTo(device.description());
            assertThat(d.defaultValueString()).as(entry.getKey() + " --device default").isEqualTo("auto");
            assertThat(p.description()).as(entry.getKey() + " --precision").isEqualTo(precision.description());
            assertThat((Object) p.getValue()).as(entry.getKey() + " --precision default").isEqualTo(Precision.AUTO);
        }
        assertThat(withFlags).contains("answer", "bench", "caption", "moderate", "benchmark");
    }

    @Test
    void theFlagsAreParsedByTheOptionsParsers() {
        ModelFlags flags = new ModelFlags();
        new CommandLine(flags).parseArgs("--device", " CUDA:2 ", "--precision", "Bf16", "--model", "/m");
        assertThat(flags.device).isEqualTo(DeviceSpec.cuda(2));
        assertThat(flags.precision).isEqualTo(Precision.BF16);
        assertThat(flags.path).isEqualTo("/m");

        assertThatThrownBy(() -> new CommandLine(new ModelFlags()).parseArgs("--device", "gpu"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("device must be 'auto', 'cpu' or 'cuda:<index>' (for example cuda:0), got 'gpu'");
        assertThatThrownBy(() -> new CommandLine(new ModelFlags()).parseArgs("--precision", "fp8"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("expected auto, fp32, fp16, int8 or bf16, got 'fp8'");
    }
}

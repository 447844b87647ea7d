package io.flinkcumo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.jobs.BenchmarkJob;
import io.flinkcumo.jobs.BenchmarkOptions;
import io.flinkcumo.jobs.BenchmarkReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cumo benchmark}: one benchmark of the paper's Table 1 as a Flink batch job on an embedded MiniCluster. */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Run one benchmark of CuMo's Table 1 (lmms-lab Parquet layout) as a Flink batch job on an embedded"
                + " MiniCluster and score it with the official rules: writes results.parquet, predictions.jsonl, summary.json,"
                + " table.md and routing.arrow; prints the table and, as the last line, the summary as JSON.")
final class BenchmarkCommand implements Callable<Integer> {

    @Mixin
    BenchmarkOptions options;

    @Override
    public Integer call() throws Exception {
        Path model = CaptionCommand.modelDir(options.model.path);
        options.parallelism = CaptionCommand.parallelism(options.parallelism);
        StreamExecutionEnvironment env = CaptionCommand.localEnvironment(options.parallelism);
        Map<String, Object> summary = BenchmarkJob.run(env, options, model.toAbsolutePath().toString(), System.err);
        System.out.print(Files.readString(Path.of(options.output).resolve(BenchmarkReport.TABLE)));
        System.out.println(new ObjectMapper().writeValueAsString(summary));
        return 0;
    }
}

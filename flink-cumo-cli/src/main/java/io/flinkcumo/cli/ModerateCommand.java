package io.flinkcumo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkcumo.jobs.ModerationDecision;
import io.flinkcumo.jobs.ModerationJob;
import io.flinkcumo.jobs.ModerationOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cumo moderate}: the moderation job on an embedded Flink MiniCluster. */
@Command(
        name = "moderate",
        mixinStandardHelpOptions = true,
        description = {
            "Moderate images with CuMo's label likelihoods on an embedded Flink MiniCluster.",
            "Kafka mode (--bootstrap-servers): JSON messages {\"id\", \"image\" (base64), \"metadata\"} from --input-topic;"
                    + " every decision to --audit-topic, flagged ones to --flagged-topic, exactly once; runs until stopped"
                    + " (or to the current end with --bounded).",
            "File mode (--input-dir, --output): every file of a directory; JSON lines in OUT/audit and OUT/flagged; prints the decisions."
        })
final class ModerateCommand implements Callable<Integer> {

    @Mixin
    ModerationOptions options;

    @Override
    public Integer call() throws Exception {
        Path model = options.model.path != null ? Path.of(options.model.path) : ModelOptions.bundledModel();
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("model directory " + model + " does not exist");
        }
        if (options.parallelism == null) {
            options.parallelism = 1;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(options.parallelism, new Configuration());
        ModerationJob.build(env, options, model.toAbsolutePath().toString(), UnaryOperator.identity());
        env.execute("cumo moderate");
        if (options.fileMode() && options.watch == null) {
            printDecisions(Path.of(options.output, "audit"));
        }
        return 0;
    }

    private static void printDecisions(Path audit) throws Exception {
        List<JsonNode> decisions = new ArrayList<>();
        try (Stream<Path> files = Files.walk(audit)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    decisions.add(ModerationDecision.parse(line));
                }
            }
        }
        decisions.sort(Comparator.comparing(d -> d.get("id").asText()));
        String format = "%-32s  %-7s  %-10s  %6s  %s%n";
        System.out.printf(format, "id", "flagged", "category", "P(safe)", "reason");
        for (JsonNode d : decisions) {
            System.out.printf(format, d.get("id").asText(), d.get("flagged").asBoolean() ? "yes" : "no",
                    d.get("category").isNull() ? "-" : d.get("category").asText(),
                    d.get("safe_probability").isNull() ? "-" : String.format(Locale.ROOT, "%.3f", d.get("safe_probability").asDouble()),
                    d.get("reason").asText());
        }
    }
}

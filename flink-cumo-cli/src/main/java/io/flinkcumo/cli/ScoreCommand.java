package io.flinkcumo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkcumo.eval.BenchItem;
import io.flinkcumo.eval.BenchTask;
import io.flinkcumo.eval.BenchTasks;
import io.flinkcumo.eval.Predictions;
import io.flinkcumo.eval.TaskScore;
import io.flinkcumo.jobs.BenchData;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cumo score}: scores a predictions file against a benchmark's Parquet data, as the official script does. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score predictions (JSON Lines: {\"question_id\": ..., \"prediction\": \"...\"}; MME lines also \"question\","
                + " MMBench lines \"index\" and \"rotation\") against a benchmark's Parquet data (lmms-lab layout) with the"
                + " official rules; prints the metrics (0-100) as one JSON object on the last line.")
final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--task", required = true,
            description = "sqa_img, textvqa, gqa, pope, mme, mmbench_en, mmbench_cn, vqav2, seed_img or mmmu.")
    String task;

    @Option(names = "--data", required = true, description = "The benchmark's Parquet data: a file, a directory or a glob.")
    String data;

    @Option(names = "--predictions", required = true, description = "The predictions, JSON Lines.")
    Path predictions;

    @Option(names = "--image-column", defaultValue = "image", description = "Column not read (default ${DEFAULT-VALUE}).")
    String imageColumn;

    @Override
    public Integer call() throws Exception {
        BenchTask t = BenchTasks.byName(task);
        List<BenchData.Row> rows = BenchData.read(data, t, imageColumn, 0);
        List<BenchItem> items = BenchData.items(rows);
        Map<String, String> predicted = Predictions.read(predictions, t);
        TaskScore score = t.score(items, predicted);
        Set<String> keys = new HashSet<>();
        items.forEach(i -> keys.add(i.key()));
        long unmatched = predicted.keySet().stream().filter(k -> !keys.contains(k)).count();
        long badRows = rows.stream().filter(r -> r.error() != null).count();
        rows.stream().filter(r -> r.error() != null).limit(5).forEach(r -> System.err.println("cumo score: " + r.error()));
        Map<String, Object> out = new LinkedHashMap<>(score.metrics());
        out.put("bad_rows", badRows);
        out.put("unmatched_predictions", unmatched);
        if (unmatched > 0) {
            System.err.println("cumo score: " + unmatched + " prediction(s) name no question of the data");
        }
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }
}

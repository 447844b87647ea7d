package io.flinkcumo.cli;

import io.flinkcumo.engine.train.Evaluator;
import io.flinkcumo.engine.train.ShapesDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cumo eval}: held-out exact-match accuracy per question type and expert-load balance. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate models on the held-out split of a shapes dataset: exact-match accuracy per question type and "
                + "expert-load balance (coefficient of variation of tokens per expert, per MoE layer).")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, split = ",", description = "Model directories (comma-separated to compare).")
    List<Path> models;

    @Option(names = "--data", required = true, description = "Dataset directory (cumo make-shapes).")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "Split (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate at most N images (default all).")
    int limit;

    @Option(names = "--batch-size", defaultValue = "32", description = "Questions per batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        for (Path m : models) {
            Evaluator.Result r = Evaluator.evaluate(m, data, split, limit, batchSize);
            System.out.println("model " + m);
            StringBuilder types = new StringBuilder();
            for (String t : ShapesDataset.TYPES) {
                int[] ct = r.correctAndTotal().getOrDefault(t, new int[2]);
                types.append(String.format("  %-9s %6.1f%%  (%d/%d)%n", t, 100 * r.accuracy(t), ct[0], ct[1]));
            }
            System.out.print(types);
            System.out.printf("  %-9s %6.1f%%%n", "overall", 100 * r.accuracy());
            if (r.loadCv().isEmpty()) {
                System.out.println("  expert load: dense model (no MoE layers)");
            } else {
                StringBuilder cv = new StringBuilder();
                for (Map.Entry<String, Double> e : r.loadCv().entrySet()) {
                    cv.append(String.format(" %s=%.3f", e.getKey(), e.getValue()));
                }
                System.out.printf("  expert load CV: vision mean %.3f, projector %.3f; per layer:%s%n",
                        r.meanCv("vision"), r.meanCv("projector"), cv);
            }
            for (String[] ex : r.examples().subList(0, Math.min(3, r.examples().size()))) {
                System.out.printf("  e.g. %s -> '%s' (expected '%s')%n", ex[0], ex[2], ex[1]);
            }
        }
        return 0;
    }
}

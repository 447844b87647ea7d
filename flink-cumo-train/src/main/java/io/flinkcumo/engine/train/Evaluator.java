package io.flinkcumo.engine.train;

import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.ModelInput;
import io.flinkcumo.engine.ModelOutput;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.engine.text.CumoTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Held-out evaluation of a model on a {@link ShapesDataset}: every test question asked alone
 * (single turn, default template, greedy), exact match of the stripped, lower-cased answer per
 * question type, and the expert-load balance of every MoE layer: the coefficient of variation
 * (std / mean) of the number of (token, slot) assignments per expert, 0 when perfectly even.
 */
public final class Evaluator {

    /** Accuracy per question type and load balance per MoE layer ("vision.0", "projector.0", ...). */
    public record Result(Map<String, int[]> correctAndTotal, Map<String, Double> loadCv, List<String[]> examples) {

        public double accuracy(String type) {
            int[] ct = correctAndTotal.get(type);
            return ct == null || ct[1] == 0 ? Double.NaN : (double) ct[0] / ct[1];
        }

        /** Accuracy over all questions. */
        public double accuracy() {
            int c = 0;
            int t = 0;
            for (int[] ct : correctAndTotal.values()) {
                c += ct[0];
                t += ct[1];
            }
            return t == 0 ? Double.NaN : (double) c / t;
        }

        /** Mean CV over the layers whose name starts with {@code component} (NaN if none). */
        public double meanCv(String component) {
            return loadCv.entrySet().stream().filter(e -> e.getKey().startsWith(component + "."))
                    .mapToDouble(Map.Entry::getValue).average().orElse(Double.NaN);
        }
    }

    private Evaluator() {}

    /** Evaluates {@code modelDir} on the {@code split} split of {@code data} ({@code limit} > 0 caps the images). */
    public static Result evaluate(Path modelDir, Path data, String split, int limit, int batchSize) throws IOException {
        List<ShapesDataset.Sample> samples = ShapesDataset.read(data, split);
        if (limit > 0 && samples.size() > limit) {
            samples = samples.subList(0, limit);
        }
        Map<String, int[]> acc = new TreeMap<>();
        Map<String, long[]> counts = new TreeMap<>();
        List<String[]> examples = new ArrayList<>();
        try (LlavaModel model = LlavaModel.load(modelDir); CumoTokenizer tokenizer = model.family().tokenizer().load(modelDir)) {
            CumoConfig config = model.config();
            float[][] pixels = Trainer.pixels(samples, config, data);
            List<ModelInput> inputs = new ArrayList<>();
            List<ShapesDataset.Qa> questions = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                for (ShapesDataset.Qa qa : samples.get(i).qa()) {
                    int[] ids = tokenizer.encodeImagePrompt(Conversation.singleTurn(model.family().template(), qa.question(), 1).prompt());
                    inputs.add(new ModelInput(ids, List.of(pixels[i]), GenerationConfig.greedy(8)));
                    questions.add(qa);
                }
            }
            for (int from = 0; from < inputs.size(); from += batchSize) {
                int to = Math.min(inputs.size(), from + batchSize);
                List<ModelOutput> outs = model.generate(inputs.subList(from, to), null, io.flinkcumo.engine.model.ForwardTrace.NONE);
                for (int j = 0; j < outs.size(); j++) {
                    ShapesDataset.Qa qa = questions.get(from + j);
                    String answer = tokenizer.decode(outs.get(j).tokenIds(), true);
                    boolean ok = normalise(answer).equals(normalise(qa.answer()));
                    int[] ct = acc.computeIfAbsent(qa.type(), t -> new int[2]);
                    ct[0] += ok ? 1 : 0;
                    ct[1]++;
                    if (examples.size() < 10) {
                        examples.add(new String[] {qa.question(), qa.answer(), answer});
                    }
                    for (LayerRouting l : outs.get(j).routing().layers()) {
                        long[] c = counts.computeIfAbsent(l.component().label() + "." + l.layer(), k -> new long[l.numExperts()]);
                        for (int e = 0; e < c.length; e++) {
                            c[e] += l.topkCounts()[e];
                        }
                    }
                }
            }
        }
        Map<String, Double> cv = new TreeMap<>();
        counts.forEach((k, c) -> cv.put(k, coefficientOfVariation(c)));
        return new Result(acc, cv, examples);
    }

    /** std / mean of the counts (population std). */
    public static double coefficientOfVariation(long[] counts) {
        double mean = 0;
        for (long c : counts) {
            mean += c;
        }
        mean /= counts.length;
        double var = 0;
        for (long c : counts) {
            var += (c - mean) * (c - mean);
        }
        return mean == 0 ? 0 : Math.sqrt(var / counts.length) / mean;
    }

    private static String normalise(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return t.endsWith(".") ? t.substring(0, t.length() - 1).trim() : t;
    }
}

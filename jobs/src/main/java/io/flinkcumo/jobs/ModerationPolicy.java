package io.flinkcumo.jobs;

import io.flinkcumo.engine.LabelScores;
import java.io.Serializable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * What to ask CuMo and how to decide: the categories (one of them the safe label), the question
 * that names them, and the threshold on P(safe).
 *
 * <p>Each category is scored by the model's likelihood of that label as its whole answer to the
 * question ({@code CumoEngine.scoreLabels}), normalised over the categories. An image is flagged
 * when its most likely category is not the safe label, or when P(safe) is below the threshold.
 */
public final class ModerationPolicy implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The default categories. */
    public static final List<String> DEFAULT_CATEGORIES = List.of("safe", "violence", "nudity", "weapons", "drugs", "hate");

    private final List<String> categories;
    private final String safeLabel;
    private final double threshold;
    private final String question;

    /**
     * @param question null for the default, which lists the categories
     * @throws IllegalArgumentException if the categories are empty, repeat, or miss the safe label,
     *     or the threshold is not in [0, 1]
     */
    public ModerationPolicy(List<String> categories, String safeLabel, double threshold, String question) {
        List<String> cleaned = categories.stream().map(String::strip).toList();
        if (cleaned.isEmpty() || cleaned.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("categories must be non-empty names, got " + categories);
        }
        if (new LinkedHashSet<>(cleaned).size() != cleaned.size()) {
            throw new IllegalArgumentException("categories repeat: " + categories);
        }
        if (!cleaned.contains(safeLabel)) {
            throw new IllegalArgumentException("the safe label '" + safeLabel + "' is not among the categories " + cleaned);
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("the threshold must be in [0, 1], got " + threshold);
        }
        this.categories = List.copyOf(cleaned);
        this.safeLabel = safeLabel;
        this.threshold = threshold;
        this.question = question != null ? question : defaultQuestion(this.categories);
    }

    /** The default categories, safe label {@code safe}, threshold 0.5, default question. */
    public static ModerationPolicy defaults() {
        return new ModerationPolicy(DEFAULT_CATEGORIES, "safe", 0.5, null);
    }

    static String defaultQuestion(List<String> categories) {
        return "Which one of these categories describes this image best: " + String.join(", ", categories)
                + "? Answer with the category only.";
    }

    public List<String> categories() {
        return categories;
    }

    public String safeLabel() {
        return safeLabel;
    }

    public double threshold() {
        return threshold;
    }

    public String question() {
        return question;
    }

    /** Fills in the decision from the model's scores. */
    public void decide(LabelScores scores, ModerationDecision decision) {
        decision.labels = categories.toArray(String[]::new);
        decision.probabilities = scores.probabilities().clone();
        decision.category = scores.best();
        decision.safeProbability = scores.probability(safeLabel);
        decision.threshold = threshold;
        if (!decision.category.equals(safeLabel)) {
            decision.flagged = true;
            decision.reason = "most likely category is " + decision.category;
        } else if (decision.safeProbability < threshold) {
            decision.flagged = true;
            decision.reason = String.format(Locale.ROOT, "P(%s) = %.3f is below the threshold %s", safeLabel,
                    decision.safeProbability, threshold);
        } else {
            decision.flagged = false;
            decision.reason = "safe";
        }
    }

    /** An image that could not be moderated: flagged, with the error. */
    public void fail(String error, ModerationDecision decision) {
        decision.labels = categories.toArray(String[]::new);
        decision.threshold = threshold;
        decision.flagged = true;
        decision.error = error;
        decision.reason = "not moderated: " + error;
    }
}

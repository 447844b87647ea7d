package io.flinkcumo.runtime;

import io.flinkcumo.engine.LabelScores;

/**
 * What one row gets back from {@link CumoClient#classify}: the label scores, after the {@code
 * error-handling} option was applied.
 *
 * @param scores log-likelihood and probability of each label; null when the input was NULL or the
 *     request failed
 * @param latencyMillis from the call to the scores or failure, preprocessing and queueing included
 * @param error why the request failed, naming the row; null on success, for NULL input, and under
 *     {@code error-handling = null}
 */
public record CumoScores(LabelScores scores, long latencyMillis, String error) {

    /** The outcome of a NULL image or question. */
    public static final CumoScores NULL_INPUT = new CumoScores(null, 0, null);

    /** True if the model scored the labels. */
    public boolean succeeded() {
        return scores != null;
    }
}

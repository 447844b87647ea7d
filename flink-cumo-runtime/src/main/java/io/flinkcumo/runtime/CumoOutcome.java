package io.flinkcumo.runtime;

/**
 * What one row gets back from CuMo, after the {@code error-handling} option was applied: every
 * front end (SQL functions, ML_PREDICT, the DataStream function) maps this to its output.
 *
 * @param answer the generated text; null when the input was NULL or the request failed
 * @param generatedTokens tokens generated, not counting a final EOS; null when there is no answer
 * @param latencyMillis from the call to the answer or failure, preprocessing and queueing included
 * @param error why the request failed, naming the row; null on success, for NULL input, and under
 *     {@code error-handling = null}
 * @param routing per-component routing summary; null when there is no answer
 */
public record CumoOutcome(
        String answer, Integer generatedTokens, long latencyMillis, String error, RoutingSummary routing) {

    /** The outcome of a NULL image or question: SQL semantics, NULL in gives NULL out. */
    public static final CumoOutcome NULL_INPUT = new CumoOutcome(null, null, 0, null, null);

    /** True if the model answered. */
    public boolean succeeded() {
        return answer != null;
    }

    /** {@link #latencyMillis}, or null for a NULL input, which never reached the model. */
    public Long latencyOrNull() {
        return this == NULL_INPUT ? null : latencyMillis;
    }
}

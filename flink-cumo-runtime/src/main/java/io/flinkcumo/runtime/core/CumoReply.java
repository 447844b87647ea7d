package io.flinkcumo.runtime.core;

import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.engine.routing.RoutingStats;

/**
 * What one row gets back from CuMo ({@link io.flinkcumo.runtime.CumoClient}), after the {@code error-handling} option was
 * applied: the one reply type of the runtime, which every front end (SQL functions, ML_PREDICT, the
 * DataStream functions, the jobs) maps to its output. A generation request fills {@code answer} and
 * {@code generatedTokens}, a classification request {@code scores}.
 *
 * @param answer the generated text; null for a classification, when the input was NULL or the
 *     request failed
 * @param generatedTokens tokens generated, not counting a final EOS; null when there is no answer
 * @param scores log-likelihood and probability of each label; null unless a classification succeeded
 * @param latencyMillis from the call to the reply, preprocessing and queueing included; -1 when
 *     Flink's operator timeout ended the request
 * @param error why the request failed, naming the row; null on success, for NULL input, and under
 *     {@code error-handling = null}
 * @param routing per MoE layer: tokens per expert, router probabilities, gate weights, entropy; null
 *     when the model did not answer
 */
public record CumoReply(
        String answer, Integer generatedTokens, LabelScores scores, long latencyMillis, String error, RoutingStats routing) {

    /** The reply to a NULL image or question: SQL semantics, NULL in gives NULL out. */
    public static final CumoReply NULL_INPUT = new CumoReply(null, null, null, 0, null, null);

    /** A generated answer. */
    public static CumoReply answered(String answer, int generatedTokens, long latencyMillis, RoutingStats routing) {
        return new CumoReply(answer, generatedTokens, null, latencyMillis, null, routing);
    }

    /** Scored labels. */
    public static CumoReply scored(LabelScores scores, long latencyMillis) {
        return new CumoReply(null, null, scores, latencyMillis, null, scores.routing());
    }

    /** A failed request: no answer, and {@code error} (null under {@code error-handling = null}). */
    public static CumoReply failed(long latencyMillis, String error) {
        return new CumoReply(null, null, null, latencyMillis, error, null);
    }

    /** True if the model answered or scored the labels. */
    public boolean succeeded() {
        return answer != null || scores != null;
    }

    /** True for the reply to a NULL input, which never reached the model. */
    public boolean isNullInput() {
        return this == NULL_INPUT;
    }

    /** {@link #latencyMillis}, or null for a NULL input, which never reached the model. */
    public Long latencyOrNull() {
        return isNullInput() ? null : latencyMillis;
    }

    /** The routing condensed per component (for a SQL column); null when there is no routing. */
    public RoutingSummary routingSummary() {
        return routing == null ? null : RoutingSummary.of(routing);
    }
}

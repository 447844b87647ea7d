package io.flinkcumo.udf;

import io.flinkcumo.engine.LabelScores;
import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.core.CumoReply;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.types.Row;

/**
 * {@code cumo_classify(image, question, labels) -> ROW<...>}: how likely CuMo finds each label as
 * its whole answer to a question about an image, for classification such as moderation:
 *
 * <pre>{@code
 * SELECT id, c.label, c.probabilities['safe'] AS p_safe, c.error
 * FROM (SELECT id, cumo_classify(image, 'Which category fits best: safe, violence, weapons?',
 *                                ARRAY['safe', 'violence', 'weapons']) AS c FROM images);
 * }</pre>
 *
 * <p>Each label is scored by the log-likelihood of its tokens followed by end-of-sequence (no text is
 * generated or parsed); {@code probabilities} is the softmax over the labels, {@code label} the most
 * likely one and {@code probability} its probability. Scoring is deterministic. Requests of all
 * subtasks meet in the shared micro-batcher, next to generation requests. NULL image or question
 * gives NULL; failures follow {@code error-handling} (with {@code error-column}, {@code label} is
 * NULL and {@code error} says why).
 */
public class CumoClassifyFunction extends ModelScalarFunction {

    private static final long serialVersionUID = 1L;

    /** The name the module registers. */
    public static final String NAME = "cumo_classify";

    /** The result type. */
    public static final String RESULT_TYPE = "ROW<label STRING, probability DOUBLE, probabilities MAP<STRING, DOUBLE>,"
            + " latency_ms BIGINT, error STRING>";

    /** For {@code CREATE FUNCTION}: options come from the configuration or the job parameters. */
    public CumoClassifyFunction() {
        this(FunctionOptions.none());
    }

    /** With explicit options, as the module creates it. */
    public CumoClassifyFunction(Map<String, String> options) {
        this(FunctionOptions.of(options));
    }

    CumoClassifyFunction(FunctionOptions options) {
        super(NAME, options);
    }

    @Override
    CumoClassifyFunction withOptions(FunctionOptions options) {
        return new CumoClassifyFunction(options);
    }

    public @DataTypeHint(RESULT_TYPE) Row eval(byte[] image, String question, String[] labels) {
        return labels == null ? null : toRow(CumoClient.await(client().classify(SqlImages.of(image), question, labels(labels))));
    }

    public @DataTypeHint(RESULT_TYPE) Row eval(@DataTypeHint(SqlImages.HF_IMAGE) Row image, String question, String[] labels) {
        return labels == null ? null : toRow(CumoClient.await(client().classify(SqlImages.of(image), question, labels(labels))));
    }

    private static List<String> labels(String[] labels) {
        return Arrays.asList(labels);
    }

    static Row toRow(CumoReply reply) {
        if (reply.isNullInput()) {
            return null;
        }
        LabelScores scores = reply.scores();
        if (scores == null) {
            return Row.of(null, null, null, reply.latencyMillis(), reply.error());
        }
        Map<String, Double> probabilities = new LinkedHashMap<>();
        for (int i = 0; i < scores.labels().size(); i++) {
            probabilities.put(scores.labels().get(i), scores.probabilities()[i]);
        }
        String best = scores.best();
        return Row.of(best, scores.probability(best), probabilities, reply.latencyMillis(), null);
    }

    /**
     * Declared non-deterministic so that the planner never duplicates the call: a query reading
     * several fields of the result ({@code c.label}, {@code c.probabilities}, ...) would otherwise
     * get one model call per field once projections are merged.
     */
    @Override
    public boolean isDeterministic() {
        return false;
    }
}

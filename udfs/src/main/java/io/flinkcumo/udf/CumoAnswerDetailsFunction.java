package io.flinkcumo.udf;

import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.RoutingSummary;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.types.Row;

/**
 * {@code cumo_answer_details(image, question) -> ROW<...>}: {@link CumoAnswerFunction cumo_answer}
 * with what happened around the answer, as {@value #RESULT_TYPE}:
 *
 * <ul>
 *   <li>{@code answer}: the answer, NULL if the input was NULL or the request failed;
 *   <li>{@code tokens}: generated tokens without the final EOS;
 *   <li>{@code latency_ms}: from the call to the answer or failure, queueing and preprocessing
 *       included; NULL for a NULL input;
 *   <li>{@code error}: why the request failed, under {@code error-handling = error-column};
 *   <li>{@code routing}: per component ({@code vision}, {@code projector}, {@code llm}; NULL when it
 *       has no experts) the number of MoE layers, the mean router entropy in nats, and the mean share
 *       of tokens taken by each layer's most-used expert (1/experts is balanced, 1 is collapsed).
 * </ul>
 *
 * <p>Query fields as {@code d.answer}, {@code d.routing.vision.router_entropy}.
 */
public class CumoAnswerDetailsFunction extends ModelScalarFunction {

    private static final long serialVersionUID = 1L;

    /** The name the module registers. */
    public static final String NAME = "cumo_answer_details";

    private static final String ROUTING = "ROW<layers INT, router_entropy DOUBLE, top_expert_share DOUBLE>";

    /** The result type. */
    public static final String RESULT_TYPE = "ROW<answer STRING, tokens INT, latency_ms BIGINT, error STRING,"
            + " routing ROW<vision " + ROUTING + ", projector " + ROUTING + ", llm " + ROUTING + ">>";

    /** For {@code CREATE FUNCTION}: options come from the configuration or the job parameters. */
    public CumoAnswerDetailsFunction() {
        this(FunctionOptions.none());
    }

    /** With explicit options, as the module creates it. */
    public CumoAnswerDetailsFunction(Map<String, String> options) {
        this(FunctionOptions.of(options));
    }

    CumoAnswerDetailsFunction(FunctionOptions options) {
        super(NAME, options);
    }

    @Override
    CumoAnswerDetailsFunction withOptions(FunctionOptions options) {
        return new CumoAnswerDetailsFunction(options);
    }

    public @DataTypeHint(RESULT_TYPE) Row eval(byte[] image, String question) {
        return toRow(CumoClient.await(client().ask(SqlImages.of(image), question)));
    }

    public @DataTypeHint(RESULT_TYPE) Row eval(@DataTypeHint(SqlImages.HF_IMAGE) Row image, String question) {
        return toRow(CumoClient.await(client().ask(SqlImages.of(image), question)));
    }

    static Row toRow(CumoReply reply) {
        RoutingSummary routing = reply.routingSummary();
        Row routingRow = routing == null ? null : Row.of(
                toRow(routing.get(Component.VISION)),
                toRow(routing.get(Component.PROJECTOR)),
                toRow(routing.get(Component.LLM)));
        return Row.of(reply.answer(), reply.generatedTokens(), reply.latencyOrNull(), reply.error(), routingRow);
    }

    private static Row toRow(RoutingSummary.Routing routing) {
        return routing == null ? null : Row.of(routing.layers(), routing.routerEntropy(), routing.topExpertShare());
    }

    /**
     * Declared non-deterministic so that the planner never duplicates the call: a query reading
     * several fields of the result ({@code d.answer}, {@code d.tokens}, {@code d.routing...}) would
     * otherwise run the model once per field once projections are merged.
     */
    @Override
    public boolean isDeterministic() {
        return false;
    }
}

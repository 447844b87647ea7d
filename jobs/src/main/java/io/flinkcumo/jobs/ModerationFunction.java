package io.flinkcumo.jobs;

import io.flinkcumo.runtime.core.ImageMessage;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoClientHolder;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.ErrorHandling;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Decides each {@link ModerationInput} with CuMo's label scores ({@link CumoClient#classify},
 * batched with the other subtasks' requests in the shared model service), one {@link
 * ModerationDecision} per input, never failing the job for a bad image: see {@link
 * ModerationPolicy}. Scoring is deterministic, so a replay after a failover decides the same way.
 */
public class ModerationFunction extends RichAsyncFunction<ModerationInput, ModerationDecision> {

    private static final long serialVersionUID = 1L;

    private final CumoSettings settings;
    private final ModerationPolicy policy;
    private final CumoClientHolder holder = new CumoClientHolder("ModerationFunction");

    /**
     * @param settings the parsed CuMo options; {@code error-handling} is always {@code error-column}
     */
    public ModerationFunction(CumoSettings settings, ModerationPolicy policy) {
        this.settings = settings.withErrorHandling(ErrorHandling.ERROR_COLUMN);
        this.policy = policy;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder.open(settings, getRuntimeContext());
    }

    @Override
    public void asyncInvoke(ModerationInput input, ResultFuture<ModerationDecision> result) {
        if (input.error != null) {
            result.complete(List.of(failed(input, input.error, 0)));
            return;
        }
        if (input.imageRef().isNull()) {
            result.complete(List.of(failed(input, ImageMessage.NO_IMAGE, 0)));
            return;
        }
        holder.client().classify(input.imageRef(), policy.question(), policy.categories()).whenComplete((reply, error) -> {
            if (error != null) {
                result.complete(List.of(failed(input, "CuMo failed: " + error, 0)));
            } else {
                result.complete(List.of(decide(input, reply)));
            }
        });
    }

    @Override
    public void timeout(ModerationInput input, ResultFuture<ModerationDecision> result) {
        result.complete(List.of(failed(input, "timed out waiting for CuMo (the async operator's timeout)", -1)));
    }

    private ModerationDecision decide(ModerationInput input, CumoReply reply) {
        ModerationDecision d = base(input);
        d.latencyMs = reply.latencyMillis();
        if (reply.succeeded()) {
            policy.decide(reply.scores(), d);
        } else {
            policy.fail(reply.error() != null ? reply.error() : "no scores", d);
        }
        return d;
    }

    private ModerationDecision failed(ModerationInput input, String error, long latencyMs) {
        ModerationDecision d = base(input);
        d.latencyMs = latencyMs;
        policy.fail(error, d);
        return d;
    }

    private static ModerationDecision base(ModerationInput input) {
        ModerationDecision d = new ModerationDecision();
        d.id = input.id;
        d.metadata = input.metadata;
        d.source = input.source;
        return d;
    }

    @Override
    public void close() throws Exception {
        holder.close();
    }
}

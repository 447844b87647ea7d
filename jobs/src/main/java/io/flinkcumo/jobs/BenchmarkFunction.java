package io.flinkcumo.jobs;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoClientHolder;
import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.ErrorHandling;
import io.flinkcumo.runtime.core.ImageRef;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Asks each {@link BenchmarkRequest}'s question about its image through the shared CuMo service
 * (the caption job's client and micro-batching), always with one {@link BenchmarkAnswer}: a bad
 * image, a model error or a timeout gives an answer line with the error, never a lost question.
 * The prediction is the generated text stripped, as LLaVA's evaluation scripts store it.
 */
public class BenchmarkFunction extends RichAsyncFunction<BenchmarkRequest, BenchmarkAnswer> {

    private static final long serialVersionUID = 1L;

    private final CumoSettings settings;
    private final boolean routing;
    private final CumoClientHolder holder = new CumoClientHolder("BenchmarkFunction");

    public BenchmarkFunction(CumoSettings settings, boolean routing) {
        this.settings = settings.withErrorHandling(ErrorHandling.ERROR_COLUMN);
        this.routing = routing;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder.open(settings, getRuntimeContext());
    }

    @Override
    public void asyncInvoke(BenchmarkRequest request, ResultFuture<BenchmarkAnswer> result) {
        if (request.error != null) {
            result.complete(List.of(failed(request, request.error, 0)));
            return;
        }
        List<ImageRef> images = request.imageRefs();
        if (images == null && request.imageRef().isNull()) {
            result.complete(List.of(failed(request, "the row has no image (neither bytes nor a path)", 0)));
            return;
        }
        CumoClient cumo = holder.client();
        (images != null ? cumo.ask(images, request.prompt) : cumo.ask(request.imageRef(), request.prompt))
                .whenComplete((reply, error) -> {
            if (error != null) {
                result.complete(List.of(failed(request, "CuMo failed: " + error, 0)));
            } else {
                result.complete(List.of(answer(request, reply)));
            }
        });
    }

    @Override
    public void timeout(BenchmarkRequest request, ResultFuture<BenchmarkAnswer> result) {
        result.complete(List.of(failed(request, "timed out waiting for CuMo (the async operator's timeout)", -1)));
    }

    private BenchmarkAnswer answer(BenchmarkRequest request, CumoReply o) {
        if (!o.succeeded()) {
            return failed(request, o.error() != null ? o.error() : "no answer", o.latencyMillis());
        }
        return new BenchmarkAnswer(AnswerLog.line(request.key, request.row, o.answer().strip(), null, o.latencyMillis(),
                o.generatedTokens(), routing ? o.routing() : null), false);
    }

    private static BenchmarkAnswer failed(BenchmarkRequest request, String error, long latencyMs) {
        return new BenchmarkAnswer(AnswerLog.line(request.key, request.row, null, error, latencyMs, null, null), true);
    }

    @Override
    public void close() throws Exception {
        holder.close();
    }
}

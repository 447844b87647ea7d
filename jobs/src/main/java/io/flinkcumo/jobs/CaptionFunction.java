package io.flinkcumo.jobs;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoClientHolder;
import io.flinkcumo.runtime.core.CumoSettings;
import io.flinkcumo.runtime.core.ErrorHandling;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Captions each {@link ImageRow} through the shared CuMo service ({@link CumoClient}), always with
 * one {@link CaptionResult} per row: a failed row (undecodable image, missing file, no image, model
 * error, timeout) gets its error instead of a caption, and never fails the job.
 */
public class CaptionFunction extends RichAsyncFunction<ImageRow, CaptionResult> {

    private static final long serialVersionUID = 1L;

    private final CumoSettings settings;
    private final String prompt;
    private final boolean routing;
    private final CumoClientHolder holder = new CumoClientHolder("CaptionFunction");

    /**
     * @param settings the parsed CuMo options; {@code error-handling} is always
     *     {@code error-column}
     * @param prompt the question asked about every image
     * @param routing whether to keep per-layer routing statistics
     */
    public CaptionFunction(CumoSettings settings, String prompt, boolean routing) {
        this.settings = settings.withErrorHandling(ErrorHandling.ERROR_COLUMN);
        this.prompt = prompt;
        this.routing = routing;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder.open(settings, getRuntimeContext());
    }

    @Override
    public void asyncInvoke(ImageRow row, ResultFuture<CaptionResult> result) {
        if (row.error != null) {
            result.complete(List.of(CaptionResult.failed(row, row.error, 0)));
            return;
        }
        holder.client().ask(row.imageRef(), prompt).whenComplete((reply, error) -> {
            if (error != null) {
                result.complete(List.of(CaptionResult.failed(row, "CuMo failed: " + error, 0)));
            } else {
                result.complete(List.of(CaptionResult.answered(row, reply, routing)));
            }
        });
    }

    @Override
    public void timeout(ImageRow row, ResultFuture<CaptionResult> result) {
        result.complete(List.of(CaptionResult.failed(row, "timed out waiting for CuMo (the async operator's timeout)", -1)));
    }

    @Override
    public void close() throws Exception {
        holder.close();
    }
}

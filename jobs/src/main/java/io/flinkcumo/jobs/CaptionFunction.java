package io.flinkcumo.jobs;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoClientHolder;
import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.ErrorHandling;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Captions each {@link ImageRow} through the shared CuMo service ({@link CumoClient}), always with
 * one {@link CaptionResult} per row: a failed row (undecodable image, missing file, no image, model
 * error, timeout) gets its error instead of a caption, and never fails the job.
 */
public class CaptionFunction extends RichAsyncFunction<ImageRow, CaptionResult> {

    private static final long serialVersionUID = 1L;

    private final Map<String, String> options;
    private final String prompt;
    private final boolean routing;
    private final CumoClientHolder holder = new CumoClientHolder("CaptionFunction");

    /**
     * @param options CuMo options ({@link CumoRuntimeOptions}); {@code error-handling} is always
     *     {@code error-column}
     * @param prompt the question asked about every image
     * @param routing whether to keep per-layer routing statistics
     */
    public CaptionFunction(Map<String, String> options, String prompt, boolean routing) {
        Map<String, String> copy = new HashMap<>(options);
        copy.put(CumoRuntimeOptions.ERROR_HANDLING.key(), ErrorHandling.ERROR_COLUMN.toString());
        this.options = Map.copyOf(copy);
        this.prompt = prompt;
        this.routing = routing;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder.open(Configuration.fromMap(options), getRuntimeContext());
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

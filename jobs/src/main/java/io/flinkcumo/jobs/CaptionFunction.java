package io.flinkcumo.jobs;

import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingStats;
import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoOutcome;
import io.flinkcumo.runtime.CumoSettings;
import io.flinkcumo.runtime.ErrorHandling;
import io.flinkcumo.runtime.RoutedOutcome;
import io.flinkcumo.stats.RoutingStatRow;
import java.util.ArrayList;
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
    private transient CumoClient client;

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
        client = CumoClient.open(settings, getRuntimeContext());
    }

    @Override
    public void asyncInvoke(ImageRow row, ResultFuture<CaptionResult> result) {
        if (row.error != null) {
            result.complete(List.of(failed(row, row.error, 0)));
            return;
        }
        client.askWithRouting(row.imageRef(), prompt).whenComplete((outcome, error) -> {
            if (error != null) {
                result.complete(List.of(failed(row, "CuMo failed: " + error, 0)));
            } else {
                result.complete(List.of(toResult(row, outcome)));
            }
        });
    }

    @Override
    public void timeout(ImageRow row, ResultFuture<CaptionResult> result) {
        result.complete(List.of(failed(row, "timed out waiting for CuMo (the async operator's timeout)", -1)));
    }

    private CaptionResult toResult(ImageRow row, RoutedOutcome routed) {
        CumoOutcome outcome = routed.outcome();
        CaptionResult r = base(row);
        r.caption = outcome.answer();
        r.generatedTokens = outcome.generatedTokens();
        r.latencyMs = outcome.latencyMillis();
        if (outcome.succeeded()) {
            r.routing = routing ? routingRows(row.id, routed.routing()) : new RoutingStatRow[0];
        } else {
            r.error = outcome.error() != null ? outcome.error()
                    : row.imageRef().isNull() ? "the row has no image (neither bytes nor a path)" : "no answer";
        }
        return r;
    }

    private static CaptionResult failed(ImageRow row, String error, long latencyMs) {
        CaptionResult r = base(row);
        r.error = error;
        r.latencyMs = latencyMs;
        return r;
    }

    private static CaptionResult base(ImageRow row) {
        CaptionResult r = new CaptionResult();
        r.file = row.file;
        r.row = row.row;
        r.id = row.id;
        r.routing = new RoutingStatRow[0];
        return r;
    }

    /** One row per (MoE layer, expert), in component, layer and expert order, identified by the row's id. */
    static RoutingStatRow[] routingRows(String id, RoutingStats routing) {
        if (routing == null) {
            return new RoutingStatRow[0];
        }
        List<RoutingStatRow> rows = new ArrayList<>();
        for (LayerRouting l : routing.layers()) {
            for (int e = 0; e < l.numExperts(); e++) {
                rows.add(new RoutingStatRow(id, l.component().label(), l.layer(), e, l.tokens(), l.top1Counts()[e],
                        l.topkCounts()[e], l.meanRouterProb()[e], l.meanGateWeight()[e], l.routerEntropy()));
            }
        }
        return rows.toArray(RoutingStatRow[]::new);
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}

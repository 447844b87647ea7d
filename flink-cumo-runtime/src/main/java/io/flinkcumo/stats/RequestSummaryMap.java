package io.flinkcumo.stats;

import io.flinkcumo.engine.CumoResult;

import org.apache.flink.api.common.functions.MapFunction;

/** Maps each result to its {@link RequestSummaryRow}. */
public final class RequestSummaryMap implements MapFunction<CumoResult, RequestSummaryRow> {

    private static final long serialVersionUID = 1L;

    @Override
    public RequestSummaryRow map(CumoResult result) {
        return RoutingStatsRows.summary(result);
    }
}

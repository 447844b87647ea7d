package io.flinkcumo.stats;

import io.flinkcumo.engine.CumoResult;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/** Emits the {@link RoutingStatRow}s of each result (one per request, MoE layer and expert). */
public final class RoutingStatsFlatMap implements FlatMapFunction<CumoResult, RoutingStatRow> {

    private static final long serialVersionUID = 1L;

    @Override
    public void flatMap(CumoResult result, Collector<RoutingStatRow> out) {
        RoutingStatsRows.rows(result).forEach(out::collect);
    }
}

package io.flinkcumo.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.SampleResults;
import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.engine.routing.LayerRouting;

import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

import org.junit.jupiter.api.Test;

import java.util.List;

/** The engine's routing statistics become flat rows that carry exactly its values. */
class RoutingStatRowTest {

    private static CumoResult result(String id) {
        return SampleResults.results().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void oneRowPerRequestLayerAndExpertWithTheEngineValues() {
        CumoResult r = result("img-chelsea");
        List<LayerRouting> layers = r.routing().layers();
        assertThat(layers).extracting(LayerRouting::component).contains(Component.VISION, Component.PROJECTOR, Component.LLM);
        List<RoutingStatRow> rows = RoutingStatRow.of(r.id(), r.routing());
        assertThat(rows).hasSize(layers.stream().mapToInt(LayerRouting::numExperts).sum());
        int i = 0;
        for (LayerRouting l : layers) {
            for (int e = 0; e < l.numExperts(); e++) {
                RoutingStatRow row = rows.get(i++);
                assertThat(row.requestId).isEqualTo("img-chelsea");
                assertThat(row.component).isEqualTo(l.component().label());
                assertThat(row.layer).isEqualTo(l.layer());
                assertThat(row.expert).isEqualTo(e);
                assertThat(row.layerTokens).isEqualTo(l.tokens());
                assertThat(row.tokensTop1).isEqualTo(l.top1Counts()[e]);
                assertThat(row.tokensTopK).isEqualTo(l.topkCounts()[e]);
                assertThat(row.meanRouterProb).isEqualTo(l.meanRouterProb()[e]);
                assertThat(row.meanGateWeight).isEqualTo(l.meanGateWeight()[e]);
                assertThat(row.routerEntropy).isEqualTo(l.routerEntropy());
            }
        }
        // per layer, the top-1 counts add up to the layer's tokens and the top-k counts to k times that
        long visionTokens = rows.stream().filter(x -> x.component.equals("vision") && x.layer == 0).mapToLong(x -> x.tokensTop1).sum();
        assertThat(visionTokens).isEqualTo(rows.get(0).layerTokens);
    }

    @Test
    void aTextOnlyRequestHasOnlyLlmRowsAndNoStatisticsNoRows() {
        CumoResult text = result("text-only");
        assertThat(RoutingStatRow.of(text.id(), text.routing())).isNotEmpty().extracting(x -> x.component).containsOnly("llm");
        assertThat(RoutingStatRow.of("x", null)).isEmpty();
    }

    @Test
    void rowDataFollowsTheRowType() {
        CumoResult r = result("two-images");
        RoutingStatRow pojo = RoutingStatRow.of(r.id(), r.routing()).get(0);
        RowData first = pojo.toRowData();
        assertThat(first.getArity()).isEqualTo(RoutingStatRow.ROW_TYPE.getFieldCount());
        assertThat(RoutingStatRow.ROW_TYPE.getFieldNames()).containsExactly(
                "request_id", "component", "layer", "expert", "layer_tokens", "tokens_top1", "tokens_topk",
                "mean_router_prob", "mean_gate_weight", "router_entropy");
        assertThat(first.getString(0).toString()).isEqualTo("two-images");
        assertThat(first.getString(1).toString()).isEqualTo(pojo.component);
        assertThat(first.getInt(2)).isEqualTo(pojo.layer);
        assertThat(first.getInt(3)).isEqualTo(pojo.expert);
        assertThat(first.getLong(4)).isEqualTo(pojo.layerTokens);
        assertThat(first.getLong(5)).isEqualTo(pojo.tokensTop1);
        assertThat(first.getLong(6)).isEqualTo(pojo.tokensTopK);
        assertThat(first.getDouble(7)).isEqualTo(pojo.meanRouterProb);
        assertThat(first.getDouble(8)).isEqualTo(pojo.meanGateWeight);
        assertThat(first.getDouble(9)).isEqualTo(pojo.routerEntropy);
        assertThat(RoutingStatRow.ROW_TYPE.getFields()).allSatisfy(f -> {
            assertThat(f.getDescription()).isPresent();
            assertThat(f.getType().isNullable()).isFalse();
        });
        assertThat(RoutingStatRow.ROW_TYPE.getTypeAt(4).getTypeRoot()).isEqualTo(LogicalTypeRoot.BIGINT);
    }
}

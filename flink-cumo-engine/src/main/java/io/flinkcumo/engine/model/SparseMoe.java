package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.routing.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A sparse top-k MoE block (CLIP-MoE layer, MLP-MoE projector, Mixtral block): y_n = Σ_j ŵ_nj ·
 * Expert_{e_nj}(u_n). Dispatch is grouped by expert, never a loop over tokens: the rows routed to
 * an expert are gathered, run through it in one call, and the outputs are gathered back into
 * (token, slot) order and summed with their weights.
 */
public final class SparseMoe implements FeedForward {

    private final MoeRouter router;
    private final List<? extends FeedForward> experts;
    private final Component component;
    private final int layer;
    private final long outFeatures;

    /** {@code outFeatures}: width of each expert's output. */
    public SparseMoe(
            MoeRouter router, List<? extends FeedForward> experts, long outFeatures, Component component, int layer) {
        if (experts.size() != router.numExperts()) {
            throw new IllegalArgumentException(
                    component.label() + " layer " + layer + ": router has " + router.numExperts() + " outputs but "
                            + experts.size() + " experts");
        }
        this.router = router;
        this.experts = experts;
        this.component = component;
        this.layer = layer;
        this.outFeatures = outFeatures;
    }

    /**
     * Loads the block at {@code prefix}: the router {@code gate.weight} [experts, in] and
     * {@code experts.{x}.…}, each loaded by {@code expert} from its own prefix.
     */
    public static SparseMoe load(
            Weights w, String prefix, int experts, int topK, int in, int out, Component component, int layer,
            Function<String, ? extends FeedForward> expert) {
        MoeRouter router = MoeRouter.load(w, prefix + "gate", experts, in, topK);
        List<FeedForward> list = new ArrayList<>();
        for (int x = 0; x < experts; x++) {
            list.add(expert.apply(prefix + "experts." + x + "."));
        }
        return new SparseMoe(router, list, out, component, layer);
    }

    public MoeRouter router() {
        return router;
    }

    public List<? extends FeedForward> experts() {
        return experts;
    }

    /** u: [N, D] → [N, D_out]. */
    @Override
    public NDArray forward(NDArray u, TokenOwners tokens) {
        int[] owners = tokens.owners();
        MoeRouter.Decision d = router.route(u, owners);
        int k = d.k();
        int n = owners.length;
        tokens.recorder().record(component, layer, owners, d.probs(), d.experts(), d.topIdx(), d.topW(), k);
        tokens.trace().routing(component, layer, owners, d.topIdx(), d.topW(), k);
        tokens.trace().routerLogits(component, layer, d.logits());

        // Group (token, slot) pairs by expert: rows[e] lists the token rows sent to expert e.
        int[] perExpert = new int[d.experts()];
        for (int t = 0; t < n; t++) {
            if (owners[t] >= 0) {
                for (int j = 0; j < k; j++) {
                    perExpert[d.topIdx()[t * k + j]]++;
                }
            }
        }
        long[][] rows = new long[d.experts()][];
        int[] base = new int[d.experts()];
        int total = 0;
        for (int e = 0; e < d.experts(); e++) {
            rows[e] = new long[perExpert[e]];
            base[e] = total;
            total += perExpert[e];
        }
        // slotPos[t*k+j] = row of expert output Y holding that slot; padding points at the zero row.
        long[] slotPos = new long[n * k];
        int[] fill = new int[d.experts()];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < k; j++) {
                if (owners[t] < 0) {
                    slotPos[t * k + j] = total;
                    continue;
                }
                int e = d.topIdx()[t * k + j];
                rows[e][fill[e]] = t;
                slotPos[t * k + j] = base[e] + fill[e]++;
            }
        }
        NDManager m = u.getManager();
        NDList outputs = new NDList();
        for (int e = 0; e < d.experts(); e++) {
            if (rows[e].length == 0) {
                continue;
            }
            NDArray xe = u.get(m.create(rows[e])); // [n_e, D]
            outputs.add(experts.get(e).forward(xe, tokens)); // [n_e, D_out]
        }
        outputs.add(m.zeros(new Shape(1, outFeatures), u.getDataType())); // the row padding slots read
        NDArray y = NDArrays.concat(outputs, 0); // [total + 1, D_out]
        NDArray w = d.gateWeights().toType(u.getDataType(), false).reshape(n, k, 1); // padding rows read the zero row
        return y.get(m.create(slotPos)).reshape(n, k, outFeatures).mul(w).sum(new int[] {1}); // [N, D_out]
    }
}

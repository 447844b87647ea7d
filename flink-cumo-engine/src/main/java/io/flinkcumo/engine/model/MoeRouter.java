package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * CuMo's router: logits = W_gate·u (no bias), p = softmax(logits) in float32, take the top-k of p
 * and divide them by their sum (a renormalisation, not a second softmax; paper eq. 3 differs from
 * the code). Used unchanged by the CLIP-MoE, the MLP-MoE and Mixtral.
 */
public final class MoeRouter {

    /**
     * Decisions for N token rows: top-k ids and renormalised weights on the host ([N × k]
     * row-major, for statistics), and the router's logits and float32 probabilities [N, E] on the
     * device (the gate weights the block applies are gathered from them, so gradients reach the
     * router when training).
     */
    public record Decision(int[] topIdx, float[] topW, float[] probs, int experts, int k, NDArray logits, NDArray deviceProbs) {

        /** The renormalised top-k weights [N, k] gathered from the device probabilities. */
        public NDArray gateWeights() {
            long[] idx = new long[topIdx.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = topIdx[i];
            }
            NDArray top = deviceProbs.gather(deviceProbs.getManager().create(idx, new ai.djl.ndarray.types.Shape(idx.length / k, k)), 1);
            return top.div(top.sum(new int[] {1}, true));
        }
    }

    private final Linear gate;
    private final int topK;

    public MoeRouter(Linear gate, int topK) {
        this.gate = gate;
        this.topK = topK;
    }

    /** Loads the gate {@code prefix.weight} [experts, in] (no bias). */
    public static MoeRouter load(Weights w, String prefix, int experts, int in, int topK) {
        return new MoeRouter(new Linear(w.get(prefix + ".weight", experts, in), null), topK);
    }

    public int numExperts() {
        return (int) gate.outFeatures();
    }

    public int topK() {
        return topK;
    }

    /** u: [N, D]. Padding rows (owner -1) get expert 0 with weight 0. */
    public Decision route(NDArray u, int[] owners) {
        NDArray logits = gate.forward(u);
        NDArray probs = logits.getDataType() == DataType.FLOAT32
                ? logits.softmax(-1)
                : logits.toType(DataType.FLOAT32, false).softmax(-1);
        float[] p = probs.toFloatArray();
        int experts = numExperts();
        int n = owners.length;
        int[] idx = new int[n * topK];
        float[] w = new float[n * topK];
        for (int t = 0; t < n; t++) {
            if (owners[t] < 0) {
                continue;
            }
            selectTopK(p, t * experts, experts, idx, w, t * topK);
        }
        return new Decision(idx, w, p, experts, topK, logits, probs);
    }

    /** Descending top-k of p[off..off+experts) (ties: lower index first), then divided by their sum. */
    private void selectTopK(float[] p, int off, int experts, int[] idx, float[] w, int out) {
        long taken = 0;
        float sum = 0;
        for (int j = 0; j < topK; j++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if ((taken & (1L << e)) == 0 && (best < 0 || p[off + e] > p[off + best])) {
                    best = e;
                }
            }
            taken |= 1L << best;
            idx[out + j] = best;
            w[out + j] = p[off + best];
            sum += p[off + best];
        }
        for (int j = 0; j < topK; j++) {
            w[out + j] /= sum;
        }
    }
}

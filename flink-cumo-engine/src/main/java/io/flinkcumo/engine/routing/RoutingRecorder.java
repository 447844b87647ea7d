package io.flinkcumo.engine.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accumulates routing decisions of a batch into per-request {@link LayerRouting}s. Each MoE call
 * reports its tokens' owners (request index, or -1 for padding, which is skipped), router
 * probabilities and chosen experts.
 */
public final class RoutingRecorder {

    private final int requests;
    // key: component, layer → per request accumulators
    private final Map<Long, Acc[]> accs = new TreeMap<>();

    public RoutingRecorder(int requests) {
        this.requests = requests;
    }

    private static final class Acc {
        long tokens;
        long[] top1;
        long[] topk;
        double[] probSum;
        double[] gateSum;
        double entropySum;

        Acc(int experts) {
            top1 = new long[experts];
            topk = new long[experts];
            probSum = new double[experts];
            gateSum = new double[experts];
        }
    }

    /**
     * Records one MoE call.
     *
     * @param owners request of each token row, -1 for padding
     * @param probs router softmax [N × E], row-major
     * @param topIdx chosen experts [N × k], highest probability first
     * @param topW renormalised gate weights [N × k]
     */
    public void record(Component c, int layer, int[] owners, float[] probs, int experts, int[] topIdx, float[] topW, int k) {
        long key = ((long) c.ordinal() << 32) | layer;
        Acc[] perRequest = accs.computeIfAbsent(key, x -> new Acc[requests]);
        for (int n = 0; n < owners.length; n++) {
            int r = owners[n];
            if (r < 0) {
                continue;
            }
            Acc a = perRequest[r];
            if (a == null) {
                a = perRequest[r] = new Acc(experts);
            }
            a.tokens++;
            double h = 0;
            for (int e = 0; e < experts; e++) {
                float p = probs[n * experts + e];
                a.probSum[e] += p;
                if (p > 0) {
                    h -= p * Math.log(p);
                }
            }
            a.entropySum += h;
            a.top1[topIdx[n * k]]++;
            for (int j = 0; j < k; j++) {
                int e = topIdx[n * k + j];
                a.topk[e]++;
                a.gateSum[e] += topW[n * k + j];
            }
        }
    }

    /**
     * Adds what {@code other} recorded for its request {@code otherR} to this recorder's request
     * {@code r} (sums of counts and probabilities): how cached work (an image's vision features, a
     * shared prompt prefix, one decode step) keeps its routing in the request's statistics.
     */
    public void add(int r, RoutingRecorder other, int otherR) {
        for (Map.Entry<Long, Acc[]> e : other.accs.entrySet()) {
            Acc src = e.getValue()[otherR];
            if (src == null) {
                continue;
            }
            Acc[] perRequest = accs.computeIfAbsent(e.getKey(), x -> new Acc[requests]);
            Acc a = perRequest[r];
            if (a == null) {
                a = perRequest[r] = new Acc(src.top1.length);
            }
            a.tokens += src.tokens;
            a.entropySum += src.entropySum;
            for (int x = 0; x < src.top1.length; x++) {
                a.top1[x] += src.top1[x];
                a.topk[x] += src.topk[x];
                a.probSum[x] += src.probSum[x];
                a.gateSum[x] += src.gateSum[x];
            }
        }
    }

    /** The statistics of request {@code r}, in component and layer order. */
    public RoutingStats statsOf(int r) {
        List<LayerRouting> out = new ArrayList<>();
        for (Map.Entry<Long, Acc[]> e : accs.entrySet()) {
            Acc a = e.getValue()[r];
            if (a == null) {
                continue;
            }
            Component c = Component.values()[(int) (e.getKey() >>> 32)];
            int layer = (int) (e.getKey() & 0xffffffffL);
            int experts = a.top1.length;
            double[] meanProb = new double[experts];
            double[] meanGate = new double[experts];
            for (int x = 0; x < experts; x++) {
                meanProb[x] = a.probSum[x] / a.tokens;
                meanGate[x] = a.topk[x] == 0 ? 0 : a.gateSum[x] / a.topk[x];
            }
            out.add(new LayerRouting(c, layer, a.tokens, a.top1, a.topk, meanProb, meanGate, a.entropySum / a.tokens));
        }
        return new RoutingStats(List.copyOf(out));
    }
}

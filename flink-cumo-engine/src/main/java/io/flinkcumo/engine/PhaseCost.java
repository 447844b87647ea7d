package io.flinkcumo.engine;

/**
 * The arithmetic work of each inference phase of a CuMo model, for a roofline: floating-point
 * operations of the matrix products (2 per multiply-add; element-wise work such as norms,
 * softmax and activations is left out, it is a few percent) and, for decode, the bytes read per
 * step. Counts follow what the engine computes: the vision tower runs every crop (T = P + 1
 * tokens) through all layers but the last, an MoE layer runs its router plus top-k experts per
 * token, prefill computes the full T×T attention product and the lm_head at the last position only.
 */
public final class PhaseCost {

    private PhaseCost() {}

    /** Vision tower over one image's S² crops: patch embedding, attention and (MoE) MLP of every used layer. */
    public static double visionFlopsPerImage(CumoConfig c) {
        CumoConfig.Vision v = c.vision();
        double t = v.numPatches() + 1.0;
        double d = v.hiddenSize();
        double p = v.patchSize();
        double patchEmbed = 2.0 * v.numPatches() * (3 * p * p) * d;
        double projections = 4 * (2 * t * d * d); // q, k, v, out
        double attention = 2 * (2 * t * t * d); // QKᵀ and PV over all heads
        double mlp = 2 * (2 * t * d * v.intermediateSize()); // fc1, fc2
        double mlpLayer = c.clipMoe() ? c.numSelected() * mlp + 2 * t * d * c.numExperts() : mlp;
        double perCrop = patchEmbed + v.layersUsed() * (projections + attention + mlpLayer);
        return crops(c) * perCrop;
    }

    /** MLP(-MoE) projector over one image's P rows: [P, D·scales] → [P, H] → [P, H]. */
    public static double projectorFlopsPerImage(CumoConfig c) {
        double rows = c.imageTokens();
        double in = c.projectorInputSize();
        double h = c.llm().hiddenSize();
        double mlp = 2 * rows * (in * h + h * h);
        return c.projectorMoe() ? c.numSelected() * mlp + 2 * rows * in * c.numExperts() : mlp;
    }

    /** Prefill of one request of {@code positions} spliced positions (lm_head at the last one only). */
    public static double prefillFlops(CumoConfig c, int positions) {
        CumoConfig.Llm l = c.llm();
        double n = positions;
        double h = l.hiddenSize();
        double q = (double) l.numAttentionHeads() * l.headDim();
        double kv = (double) l.numKeyValueHeads() * l.headDim();
        double projections = 2 * n * h * (q + 2 * kv) + 2 * n * q * h;
        double attention = 2 * (2 * n * n * q); // QKᵀ and PV, every query head
        double mlp = 3 * (2 * n * h * l.intermediateSize()); // gate, up, down
        double mlpLayer = l.isMoe() ? l.numExpertsPerTok() * mlp + 2 * n * h * l.numLocalExperts() : mlp;
        return l.numHiddenLayers() * (projections + attention + mlpLayer) + 2 * h * l.vocabSize();
    }

    /**
     * Bytes one decode step reads for {@code rows} rows at context length {@code context}: every
     * decoder weight once per step (a Mixtral layer: the experts used, at most all of them), the
     * lm_head, and each row's K/V cache. {@code linearBytes}: bytes per element of the decoder's
     * Linear weights (attention projections, MLP and expert matrices: 4 for float32, 2 for bf16, 1
     * for int8); {@code elementBytes}: of everything else (norms, routers, lm_head, the K/V cache).
     */
    public static double decodeBytesPerStep(CumoConfig c, int rows, double context, int linearBytes, int elementBytes) {
        CumoConfig.Llm l = c.llm();
        double h = l.hiddenSize();
        double q = (double) l.numAttentionHeads() * l.headDim();
        double kv = (double) l.numKeyValueHeads() * l.headDim();
        double attention = h * (q + 2 * kv) + q * h;
        double expert = 3 * h * l.intermediateSize();
        double mlp = l.isMoe() ? Math.min(l.numLocalExperts(), (double) rows * l.numExpertsPerTok()) * expert : expert;
        double router = l.isMoe() ? h * l.numLocalExperts() : 0;
        double linear = l.numHiddenLayers() * (attention + mlp);
        double other = l.numHiddenLayers() * (router + 2 * h) + h + h * l.vocabSize();
        double cache = (double) rows * l.numHiddenLayers() * 2 * kv * context;
        return linearBytes * linear + elementBytes * (other + cache);
    }

    private static int crops(CumoConfig c) {
        int n = 0;
        for (int s : c.scales()) {
            n += s * s;
        }
        return n;
    }
}

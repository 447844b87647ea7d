package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.CumoConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * CLIP ViT with a MoE in every layer (CLIP-MoE). Returns the patch features of the penultimate
 * layer (HF {@code hidden_states[-2]}, CLS dropped, no post-LayerNorm): the last layer is never run.
 */
public final class ClipVisionTower {

    private final CumoConfig.Vision config;
    private final NDArray patchEmbeddingT; // [3·p·p, D]: the bias-free conv as a matmul over patches
    private final NDArray classEmbedding; // [D]
    private final NDArray positionEmbedding; // [1 + P, D]
    private final LayerNorm preLayrnorm;
    private final List<ClipEncoderLayer> layers; // the layers used: all but the last
    private final ClipEncoderLayer lastLayer; // null for inference; training runs it for its routers' aux losses

    public ClipVisionTower(
            CumoConfig.Vision config,
            NDArray patchEmbeddingT,
            NDArray classEmbedding,
            NDArray positionEmbedding,
            LayerNorm preLayrnorm,
            List<ClipEncoderLayer> layers) {
        this(config, patchEmbeddingT, classEmbedding, positionEmbedding, preLayrnorm, layers, null);
    }

    /**
     * As above, plus the last layer ({@code lastLayer}, may be null): when present it is run after
     * the features are taken, only so that its MoE routers report their logits (training computes
     * the auxiliary losses over all layers); the features are unchanged.
     */
    public ClipVisionTower(
            CumoConfig.Vision config,
            NDArray patchEmbeddingT,
            NDArray classEmbedding,
            NDArray positionEmbedding,
            LayerNorm preLayrnorm,
            List<ClipEncoderLayer> layers,
            ClipEncoderLayer lastLayer) {
        this.lastLayer = lastLayer;
        this.config = config;
        this.patchEmbeddingT = patchEmbeddingT;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preLayrnorm = preLayrnorm;
        this.layers = List.copyOf(layers);
    }

    /**
     * Loads the tower at {@code prefix} ({@code model.vision_tower.vision_model.}):
     * {@code embeddings.patch_embedding.weight} [D, 3, p, p] (held as its matmul form [3·p·p, D]),
     * {@code embeddings.class_embedding} [D], {@code embeddings.position_embedding.weight}
     * [1 + P, D], {@code pre_layrnorm} and {@code encoder.layers.{l}} ({@link ClipEncoderLayer}).
     * The last layer and {@code post_layernorm} are skipped (features come from the penultimate
     * layer) unless {@code withLastLayer}, which loads and runs the last layer (see the constructor).
     */
    public static ClipVisionTower load(Weights w, String prefix, CumoConfig c, boolean withLastLayer) {
        CumoConfig.Vision v = c.vision();
        int d = v.hiddenSize();
        int patch = v.patchSize();
        String patchName = prefix + PATCH_EMBEDDING;
        NDArray conv = w.get(patchName, d, 3, patch, patch);
        NDArray patchT = conv.reshape(d, 3L * patch * patch).transpose(1, 0).duplicate(); // [3pp, D]
        conv.close();
        patchT.setName(patchName);
        w.replaceLoaded(patchName, patchT);
        List<ClipEncoderLayer> layers = new ArrayList<>();
        int built = withLastLayer ? v.numHiddenLayers() : v.layersUsed();
        for (int l = 0; l < built; l++) {
            layers.add(ClipEncoderLayer.load(w, prefix + "encoder.layers." + l + ".", c, l));
        }
        String lastLayer = prefix + "encoder.layers." + v.layersUsed() + ".";
        w.skip(n -> n.startsWith(lastLayer) || n.startsWith(prefix + "post_layernorm."));
        ClipEncoderLayer last = withLastLayer ? layers.remove(layers.size() - 1) : null;
        return new ClipVisionTower(
                v,
                patchT,
                w.get(prefix + "embeddings.class_embedding", d),
                w.get(prefix + "embeddings.position_embedding.weight", v.numPatches() + 1, d),
                LayerNorm.load(w, prefix + "pre_layrnorm", d, v.layerNormEps()),
                layers,
                last);
    }

    /**
     * The patch embedding's name under the tower's prefix; the tower holds it transposed, [3·p·p, D],
     * where the checkpoint has [D, 3, p, p].
     */
    public static final String PATCH_EMBEDDING = "embeddings.patch_embedding.weight";

    /** The patch embedding {@code heldT} [3·p·p, D] back in its checkpoint shape [D, 3, p, p]. */
    public static NDArray patchEmbeddingAsStored(NDArray heldT, CumoConfig.Vision v) {
        return heldT.transpose(1, 0).reshape(v.hiddenSize(), 3, v.patchSize(), v.patchSize());
    }

    public List<ClipEncoderLayer> layers() {
        return layers;
    }

    /**
     * pixels: [n, 3, S, S] normalised crops; cropOwners: the request of each crop.
     * Returns [n, P, D] patch features (P = (S/p)²).
     */
    public NDArray forward(NDArray pixels, int[] cropOwners, TokenOwners context) {
        long n = pixels.getShape().get(0);
        int g = config.gridSize();
        int p = config.patchSize();
        int d = config.hiddenSize();
        NDManager m = pixels.getManager();
        // conv(kernel p, stride p) ≡ per-patch matmul: [n,3,g,p,g,p] → [n,g,g,3,p,p] → [n,P,3pp]
        NDArray patches = pixels.reshape(n, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(n, (long) g * g, 3L * p * p);
        NDArray embeds = patches.matMul(patchEmbeddingT); // [n, P, D]
        NDArray cls = m.zeros(new Shape(n, 1, d), pixels.getDataType()).add(classEmbedding);
        NDArray x = NDArrays.concat(new NDList(cls, embeds), 1).add(positionEmbedding); // [n, 1+P, D]
        x = preLayrnorm.forward(x);
        context.trace().visionHidden(0, x);
        TokenOwners tokens = new TokenOwners(
                TokenOwners.repeatEach(cropOwners, g * g + 1), context.recorder(), context.trace());
        for (int l = 0; l < layers.size(); l++) {
            ClipEncoderLayer layer = layers.get(l);
            NDArray in = x;
            x = Scopes.keep(() -> layer.forward(in, tokens)); // the layer's temporaries are freed here
            in.close();
            context.trace().visionHidden(l + 1, x);
        }
        if (lastLayer != null) {
            lastLayer.forward(x, tokens); // output unused: only its router logits matter
        }
        return x.get(new NDIndex(":, 1:, :"));
    }
}

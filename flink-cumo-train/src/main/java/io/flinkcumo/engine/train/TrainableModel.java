package io.flinkcumo.engine.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinkcumo.engine.LlavaModel;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.model.ClipVisionTower;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A CuMo model loaded for training: every tensor in float32, the last CLIP layer too (run after
 * the features are taken, so that its routers get auxiliary losses), and all tensors by checkpoint
 * name ({@link #parameters}), which training updates in place. Inference through
 * {@link #model()} gives the same results as a model loaded for inference.
 */
public final class TrainableModel implements AutoCloseable {

    private final LlavaModel model;

    private TrainableModel(LlavaModel model) {
        this.model = model;
    }

    /** Loads {@code dir} onto {@code device} for training. */
    public static TrainableModel load(Path dir, Device device) throws IOException {
        return new TrainableModel(LlavaModel.load(dir, device, Precision.FP32, true));
    }

    /** The model (for forward passes and inference). */
    public LlavaModel model() {
        return model;
    }

    /**
     * The loaded tensors by checkpoint name (the model's own arrays). The patch embedding is held in
     * its matmul form [3·p·p, D]; {@link #checkpointTensor} gives every tensor in its checkpoint shape.
     */
    public Map<String, NDArray> parameters() {
        return model.weights();
    }

    /** Tensor {@code name} in its checkpoint shape (a new array in {@code scope}). */
    public NDArray checkpointTensor(String name, NDManager scope) {
        NDArray a = parameters().get(name);
        if (a == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        NDArray copy = a.duplicate();
        copy.attach(scope);
        if (name.endsWith(ClipVisionTower.PATCH_EMBEDDING)) {
            return ClipVisionTower.patchEmbeddingAsStored(copy, model.config().vision());
        }
        return copy;
    }

    @Override
    public void close() {
        model.close();
    }
}

package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.safetensors.Checkpoint;
import io.flinkcumo.engine.safetensors.SafetensorsException;
import io.flinkcumo.engine.safetensors.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Loads checkpoint tensors into the model-owned {@link NDManager}: each tensor's shape is checked
 * against what the config implies, BF16/F16/F32 on disk is widened to float32 through one reused
 * off-heap staging buffer (no BFLOAT16 tensor is ever created: DJL 0.36 aborts on them on CPU),
 * then copied into libtorch-owned memory of the compute type. Tracks which tensors were used, so a
 * checkpoint with unexpected tensors is reported rather than half-loaded.
 */
public final class Weights {

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final DataType dataType;
    private final Set<String> used = new HashSet<>();
    private final Map<String, NDArray> loaded = new LinkedHashMap<>();
    private final boolean int8Linear;
    private final BFloat16 bf16Linear;
    private ByteBuffer staging = ByteBuffer.allocateDirect(0);
    private ByteBuffer int8Staging = ByteBuffer.allocateDirect(0);

    public Weights(Checkpoint checkpoint, NDManager manager, DataType dataType) {
        this(checkpoint, manager, dataType, Precision.FP32);
    }

    /**
     * {@link Precision#INT8}: {@link #linear} weights are quantised to int8 with per-output-channel
     * scales; {@link Precision#BF16}: they are held as bfloat16 (see {@link BFloat16}).
     */
    public Weights(Checkpoint checkpoint, NDManager manager, DataType dataType, Precision precision) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.dataType = dataType;
        this.int8Linear = precision.int8Weights();
        this.bf16Linear = precision.bf16Weights() ? new BFloat16(manager) : null;
    }

    public DataType dataType() {
        return dataType;
    }

    /** True when the checkpoint holds {@code name}. */
    public boolean has(String name) {
        return checkpoint.has(name);
    }

    /** Loads {@code name}, which must have exactly {@code shape}. */
    public NDArray get(String name, long... shape) {
        ByteBuffer slice = staged(name, shape);
        try (NDManager tmp = manager.newSubManager()) {
            NDArray aliased = tmp.create(slice, new Shape(shape), DataType.FLOAT32); // aliases staging on CPU
            // a copy libtorch owns (.to() of an unchanged type would still alias the staging buffer)
            NDArray owned = dataType == DataType.FLOAT32 ? aliased.duplicate() : aliased.toType(dataType, false);
            return keep(name, owned);
        }
    }

    private NDArray keep(String name, NDArray owned) {
        owned.attach(manager);
        owned.setName(name);
        loaded.put(name, owned);
        return owned;
    }

    /** Checks {@code name} against {@code shape} and reads it as float32 into the staging buffer (native order). */
    private ByteBuffer staged(String name, long... shape) {
        if (!checkpoint.has(name)) {
            throw new SafetensorsException("checkpoint " + checkpoint.dir() + " is missing tensor '" + name + "'");
        }
        TensorInfo info = checkpoint.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new SafetensorsException(
                    "tensor '" + name + "' has shape " + Arrays.toString(info.shape()) + " but config.json implies "
                            + Arrays.toString(shape));
        }
        if (!info.dtype().isFloating()) {
            throw new SafetensorsException("tensor '" + name + "' is " + info.dtype() + ", expected a floating type");
        }
        used.add(name);
        int bytes = Math.toIntExact(info.numel() * 4);
        if (staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        ByteBuffer view = staging.duplicate().order(ByteOrder.nativeOrder());
        view.clear().limit(bytes);
        try {
            checkpoint.readFloats(name, view.asFloatBuffer());
        } catch (IOException e) {
            throw new UncheckedIOException("reading tensor '" + name + "'", e);
        }
        return view.slice().order(ByteOrder.nativeOrder());
    }

    /**
     * Loads a Linear layer {@code prefix.weight} [out, in] and, if {@code bias}, {@code prefix.bias}
     * [out]. In int8 mode the weight is stored symmetric per output channel: scale_o = max|W_o| / 127,
     * Q = round(W / scale) in [-127, 127]. In bf16 mode it is rounded to bfloat16 by libtorch.
     */
    public Linear linear(String prefix, long out, long in, boolean bias) {
        String name = prefix + ".weight";
        if (bf16Linear != null) {
            NDArray b = bias ? get(prefix + ".bias", out) : null; // before the weight: both use the staging buffer
            try (NDManager tmp = manager.newSubManager()) {
                NDArray staged = tmp.create(staged(name, out, in), new Shape(out, in), DataType.FLOAT32); // aliases staging
                NDArray w = bf16Linear.weight(staged); // [out, in] bfloat16, libtorch-owned
                return new Linear(keep(name, w), b, null, bf16Linear);
            }
        }
        if (!int8Linear) {
            return new Linear(get(name, out, in), bias ? get(prefix + ".bias", out) : null);
        }
        NDArray b = bias ? get(prefix + ".bias", out) : null; // before the weight: both use the staging buffer
        // quantised on the host from the staged floats: no float32 copy of the weight is ever made natively
        java.nio.FloatBuffer w = staged(name, out, in).asFloatBuffer();
        int rows = Math.toIntExact(out);
        int cols = Math.toIntExact(in);
        if (int8Staging.capacity() < rows * cols) {
            int8Staging = ByteBuffer.allocateDirect(rows * cols);
        }
        ByteBuffer q = int8Staging.duplicate();
        q.clear().limit(rows * cols);
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, Math.abs(w.get(r * cols + c)));
            }
            float scale = Math.max(max, Float.MIN_NORMAL) / 127f;
            scales[r] = scale;
            for (int c = 0; c < cols; c++) {
                q.put(r * cols + c, (byte) Math.rint(w.get(r * cols + c) / scale)); // |value| <= 127
            }
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDArray qOwned = tmp.create(q.slice(), new Shape(out, in), DataType.INT8).duplicate(); // [out, in]
            NDArray scale = tmp.create(scales, new Shape(out, 1)).duplicate(); // [out, 1]
            scale.attach(manager);
            scale.setName(name + ".scale");
            return new Linear(keep(name, qOwned), b, scale, null);
        }
    }

    /** Every tensor loaded so far, by checkpoint name, in load order (the arrays themselves). */
    public Map<String, NDArray> loaded() {
        return java.util.Collections.unmodifiableMap(loaded);
    }

    /** Records that {@code array} (e.g. a re-laid-out copy) now holds tensor {@code name}. */
    public void replaceLoaded(String name, NDArray array) {
        loaded.put(name, array);
    }

    /** Marks tensors the model deliberately does not load (e.g. the unused last CLIP layer). */
    public void skip(Predicate<String> unused) {
        checkpoint.names().stream().filter(unused).forEach(used::add);
    }

    /** Fails naming the tensors the checkpoint holds that no block loaded. */
    public void checkAllUsed() {
        Set<String> unexpected = new TreeSet<>(checkpoint.names());
        unexpected.removeAll(used);
        unexpected.removeIf(n -> n.endsWith("rotary_emb.inv_freq") || n.endsWith("embeddings.position_ids"));
        if (!unexpected.isEmpty()) {
            List<String> shown = unexpected.stream().limit(10).toList();
            throw new SafetensorsException(
                    "checkpoint " + checkpoint.dir() + " has " + unexpected.size() + " unexpected tensor(s) for this config.json: "
                            + shown + (unexpected.size() > shown.size() ? " ..." : ""));
        }
    }
}

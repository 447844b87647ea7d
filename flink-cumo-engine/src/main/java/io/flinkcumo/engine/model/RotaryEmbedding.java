package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in HF's rotate-half layout: inv_freq_i = θ^(−2i/d), angles pos·inv_freq
 * duplicated to d values, q' = q·cos + rot(q)·sin with rot([a, b]) = [−b, a]. Angles are computed
 * in float32 on the host, as the reference does on the device.
 */
public final class RotaryEmbedding {

    private final int headDim;
    private final float[] invFreq;

    public RotaryEmbedding(int headDim, double theta) {
        this.headDim = headDim;
        this.invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = 1.0f / (float) Math.pow((float) theta, exponent);
        }
    }

    /** cos and sin tables [B, 1, L, d] for positions [B][L]. */
    public NDList tables(NDManager m, int[][] positions, DataType type) {
        int b = positions.length;
        int l = positions[0].length;
        float[] cos = new float[b * l * headDim];
        float[] sin = new float[b * l * headDim];
        int half = headDim / 2;
        for (int r = 0; r < b; r++) {
            for (int t = 0; t < l; t++) {
                int base = (r * l + t) * headDim;
                for (int i = 0; i < half; i++) {
                    float angle = positions[r][t] * invFreq[i];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[base + i] = c;
                    cos[base + half + i] = c;
                    sin[base + i] = s;
                    sin[base + half + i] = s;
                }
            }
        }
        Shape shape = new Shape(b, 1, l, headDim);
        return new NDList(
                m.create(cos, shape).toType(type, false), m.create(sin, shape).toType(type, false));
    }

    /** x: [B, H, L, d] → rotated. */
    public static NDArray apply(NDArray x, NDList tables) {
        long half = x.getShape().get(3) / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(second.neg(), first), -1);
        return x.mul(tables.get(0)).add(rotated.mul(tables.get(1)));
    }
}

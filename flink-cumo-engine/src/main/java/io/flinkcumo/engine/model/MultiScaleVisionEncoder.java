package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.CumoConfig;
import io.flinkcumo.engine.image.CubicInterpolation;

/**
 * S² multi-scale vision input (scales 1 and 3 in CuMo): each normalised image X [3,S,S] is also
 * bicubic-upsampled to sS×sS and cut into s×s tiles of S×S; all crops of all images go through
 * the CLIP-MoE tower together (in chunks bounding memory); tile features are put back into a
 * (s·g)×(s·g) map, averaged over s×s blocks to g×g, and concatenated on channels after the 1×
 * features: V = [F1 | F3] of shape [P, D·#scales].
 */
public final class MultiScaleVisionEncoder {

    private final ClipVisionTower tower;
    private final int[] scales;
    private final int imageSize;
    private final int grid;
    private final NDArray[] upsampleT; // per scale > 1: Wᵀ [S, sS]
    private final int cropsPerPass;

    public MultiScaleVisionEncoder(
            ClipVisionTower tower, int[] scales, int imageSize, int grid, NDManager weights, DataType type, int cropsPerPass) {
        this.tower = tower;
        this.scales = scales.clone();
        this.imageSize = imageSize;
        this.grid = grid;
        this.cropsPerPass = cropsPerPass;
        this.upsampleT = new NDArray[scales.length];
        for (int i = 0; i < scales.length; i++) {
            if (scales[i] > 1) {
                int out = imageSize * scales[i];
                float[] w = CubicInterpolation.weights(imageSize, out); // [out, in]
                upsampleT[i] = weights.create(w, new Shape(out, imageSize)).transpose(1, 0).toType(type, true);
            }
        }
    }

    /**
     * How many crops go through the tower at once so that no intermediate of a layer exceeds
     * {@code budgetBytes}: per crop of T = P + 1 tokens the largest ones are the attention scores
     * [H, T, T] and the MLP activation [T, I] (an expert may receive every row). At least 1.
     */
    public static int cropsPerPass(CumoConfig.Vision v, DataType type, long budgetBytes) {
        long t = v.numPatches() + 1L;
        long perCrop = (long) type.getNumOfBytes() * Math.max(v.numAttentionHeads() * t * t, t * v.intermediateSize());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetBytes / perCrop));
    }

    /** Crops sent through the tower in one pass. */
    public int cropsPerPass() {
        return cropsPerPass;
    }

    /** Crops per image: Σ s². */
    public int cropsPerImage() {
        int c = 0;
        for (int s : scales) {
            c += s * s;
        }
        return c;
    }

    /**
     * pixels: [B, 3, S, S]; imageOwners: the request of each image.
     * Returns V [B, P, D·#scales].
     */
    public NDArray forward(NDArray pixels, int[] imageOwners, TokenOwners context) {
        long b = pixels.getShape().get(0);
        int c = cropsPerImage();
        NDArray crops = crops(pixels).reshape(b * c, 3, imageSize, imageSize); // image-major: crop k of image i at i·c+k
        int[] cropOwners = TokenOwners.repeatEach(imageOwners, c);
        NDList featureChunks = new NDList();
        for (long start = 0; start < b * c; start += cropsPerPass) {
            long end = Math.min(b * c, start + cropsPerPass);
            int[] owners = java.util.Arrays.copyOfRange(cropOwners, (int) start, (int) end);
            featureChunks.add(tower.forward(crops.get(new NDIndex("{}:{}", start, end)), owners, context));
        }
        NDArray features = featureChunks.size() == 1 ? featureChunks.get(0) : NDArrays.concat(featureChunks, 0);
        long d = features.getShape().get(2);
        NDArray perImage = features.reshape(b, c, (long) grid * grid, d); // [B, C, P, D]
        NDList channels = new NDList();
        int offset = 0;
        for (int s : scales) {
            NDArray tiles = perImage.get(new NDIndex(":, {}:{}", offset, offset + s * s));
            channels.add(s == 1 ? tiles.squeeze(1) : poolTiles(tiles, b, s, d));
            offset += s * s;
        }
        return NDArrays.concat(channels, -1);
    }

    /** [B,3,S,S] → [B, C, 3, S, S]: the image itself, then each scale's tiles in row-major order. */
    private NDArray crops(NDArray x) {
        long b = x.getShape().get(0);
        NDList parts = new NDList();
        for (int i = 0; i < scales.length; i++) {
            int s = scales[i];
            if (s == 1) {
                parts.add(x.expandDims(1));
                continue;
            }
            // up = W X Wᵀ, written with the activation first: ((X Wᵀ)ᵀ Wᵀ)ᵀ
            NDArray up = x.matMul(upsampleT[i]).transpose(0, 1, 3, 2).matMul(upsampleT[i]).transpose(0, 1, 3, 2);
            NDArray tiles = up.reshape(b, 3, s, imageSize, s, imageSize)
                    .transpose(0, 2, 4, 1, 3, 5)
                    .reshape(b, (long) s * s, 3, imageSize, imageSize);
            parts.add(tiles);
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
    }

    /** tiles [B, s², P, D] → place tile (i,j) at block (i,j) of an (s·g)² map → s×s mean pool → [B, P, D]. */
    private NDArray poolTiles(NDArray tiles, long b, int s, long d) {
        long g = grid;
        return tiles.reshape(b, s, s, g, g, d)
                .transpose(0, 1, 3, 2, 4, 5) // [B, i, r, j, c, D]
                .reshape(b, g, s, g, s, d) // rows i·g+r regrouped as (row/s, row%s)
                .mean(new int[] {4}) // [B, g, s, g, D]
                .mean(new int[] {2}) // [B, g, g, D]
                .reshape(b, g * g, d);
    }
}

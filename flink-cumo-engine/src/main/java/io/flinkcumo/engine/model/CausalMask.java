package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * The additive attention mask [B, 1, L, T] (0 where a query sees a key, −∞ elsewhere) of L new
 * positions written after {@code past} cache slots, T = past + L: new position t of row b sees
 * its row's new positions 0…t that are real (t' < length_b; the rest of the row is right padding)
 * and the past slots its row may read — all of [0, past) unless {@link #seePast} narrows them
 * (padding slots of a shorter prompt, rows of other sequences in a merged cache).
 *
 * <p>One class for every use: prefill (past = a shared prompt prefix, or 0), a decode step
 * (L = 1), scoring continuations after their prompt, and training (past = 0, no cache).
 */
public final class CausalMask {

    private final int rows;
    private final int positions;
    private final int past;
    private final int[] lengths;
    private final int[][] pastSpans; // per row: [from, to) pairs, or null for all of [0, past)

    /** {@code rows} × {@code positions} new positions after {@code past} slots, all real, seeing all the past. */
    public CausalMask(int rows, int positions, int past) {
        this.rows = rows;
        this.positions = positions;
        this.past = past;
        this.lengths = new int[rows];
        Arrays.fill(lengths, positions);
        this.pastSpans = new int[rows][];
    }

    /** A plain causal mask over {@code positions} tokens of one row (no past). */
    public static CausalMask causal(int positions) {
        return new CausalMask(1, positions, 0);
    }

    /** Real new positions of each row; the positions after them are padding nobody reads. */
    public CausalMask lengths(int[] real) {
        if (real.length != rows) {
            throw new IllegalArgumentException(real.length + " lengths for " + rows + " rows");
        }
        System.arraycopy(real, 0, lengths, 0, rows);
        return this;
    }

    /** Row {@code row} sees only the past slots in the given [from, to) pairs. */
    public CausalMask seePast(int row, int... fromTo) {
        if (fromTo.length % 2 != 0) {
            throw new IllegalArgumentException("past spans come in [from, to) pairs");
        }
        pastSpans[row] = fromTo.clone();
        return this;
    }

    /** Slots a query may attend over: past + L. */
    public int slots() {
        return past + positions;
    }

    /** The mask as host values, [B · L · T] row-major. */
    public float[] values() {
        int t = slots();
        float[] mask = new float[rows * positions * t];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < positions; q++) {
                int base = (r * positions + q) * t;
                for (int j = 0; j < t; j++) {
                    boolean visible = j < past ? seesPast(r, j) : j - past <= q && j - past < lengths[r];
                    mask[base + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
                }
            }
        }
        return mask;
    }

    private boolean seesPast(int row, int slot) {
        int[] spans = pastSpans[row];
        if (spans == null) {
            return true;
        }
        for (int i = 0; i < spans.length; i += 2) {
            if (slot >= spans[i] && slot < spans[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** The mask [B, 1, L, T] in {@code scope}, of {@code type}. */
    public NDArray toArray(NDManager scope, DataType type) {
        return scope.create(values(), new Shape(rows, 1, positions, slots())).toType(type, false);
    }
}

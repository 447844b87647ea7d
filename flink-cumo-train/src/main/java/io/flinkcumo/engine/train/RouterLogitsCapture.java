package io.flinkcumo.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.flinkcumo.engine.model.ForwardTrace;
import io.flinkcumo.engine.routing.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects the router logits of every MoE block call of one forward pass, by component and layer
 * (calls of the same block, e.g. the vision tower's crop chunks, are concatenated in call order).
 * The arrays stay in the forward's scope and in its autograd graph. Delegates everything else to
 * another trace.
 */
public final class RouterLogitsCapture implements ForwardTrace {

    private final Map<Component, Map<Integer, List<NDArray>>> calls = new TreeMap<>();
    private final NDManager keep;

    /** Keeps the arrays themselves (valid while the forward's scope is open; gradients flow). */
    public RouterLogitsCapture() {
        this(null);
    }

    /**
     * With {@code keep} non-null, keeps detached copies in {@code keep} instead, so they outlive
     * the forward's scope (e.g. around {@code LlavaModel.generate}).
     */
    public RouterLogitsCapture(NDManager keep) {
        this.keep = keep;
    }

    @Override
    public void routerLogits(Component c, int layer, NDArray logits) {
        if (keep != null) {
            logits = logits.stopGradient().duplicate();
            logits.attach(keep);
        }
        ai.djl.ndarray.NDScope.unregister(logits); // outlive the layer's scope (io.flinkcumo.engine.model.Scopes)
        calls.computeIfAbsent(c, k -> new TreeMap<>()).computeIfAbsent(layer, k -> new ArrayList<>()).add(logits);
    }

    /** The layers of {@code c} that reported logits, ascending. */
    public List<Integer> layers(Component c) {
        return List.copyOf(calls.getOrDefault(c, Map.of()).keySet());
    }

    /** Router logits [N, E] of {@code c} layer {@code layer}: all its calls concatenated on rows. */
    public NDArray logits(Component c, int layer) {
        List<NDArray> list = calls.getOrDefault(c, Map.of()).get(layer);
        if (list == null) {
            throw new IllegalArgumentException("no router logits for " + c.label() + " layer " + layer);
        }
        return list.size() == 1 ? list.get(0) : NDArrays.concat(new NDList(list), 0);
    }

    /** Forgets everything captured (for reuse across steps). */
    public void clear() {
        calls.clear();
    }
}

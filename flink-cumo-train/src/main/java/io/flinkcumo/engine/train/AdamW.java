package io.flinkcumo.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, bias-corrected moments) over named parameters, updating them in
 * place. Its state (first and second moments per parameter, step count) is plain named arrays so
 * a run can be saved and resumed exactly. Temporaries are created from the gradient, which lives
 * in the caller's step scope; the moments live in the optimizer's own manager.
 */
public final class AdamW {

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray[]> state = new LinkedHashMap<>();
    private int steps;

    public AdamW(NDManager manager, float beta1, float beta2, float eps, float weightDecay) {
        this.manager = manager;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Starts an update step (advances the bias correction). */
    public void beginStep() {
        steps++;
    }

    public int steps() {
        return steps;
    }

    /** Updates {@code weight} in place from {@code grad} (a step-scoped array) at learning rate {@code lr}. */
    public void update(String name, NDArray weight, NDArray grad, float lr) {
        NDArray[] mv = state.computeIfAbsent(name, n -> new NDArray[] {
            manager.zeros(weight.getShape(), weight.getDataType()), manager.zeros(weight.getShape(), weight.getDataType())});
        NDArray m = mv[0];
        NDArray v = mv[1];
        m.muli(beta1).addi(grad.mul(1 - beta1));
        v.muli(beta2).addi(grad.square().mul(1 - beta2));
        float bc1 = 1 - (float) Math.pow(beta1, steps);
        float bc2 = 1 - (float) Math.pow(beta2, steps);
        NDArray denom = grad.zerosLike().addi(v).divi(bc2).sqrt().addi(eps);
        NDArray upd = grad.zerosLike().addi(m).divi(bc1).divi(denom).muli(lr);
        if (weightDecay != 0) {
            upd.addi(grad.zerosLike().addi(weight).muli(lr * weightDecay));
        }
        weight.subi(upd);
    }

    /** The moments by name ({@code name.m}, {@code name.v}) for saving. */
    public Map<String, NDArray> stateArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        state.forEach((n, mv) -> {
            out.put(n + ".m", mv[0]);
            out.put(n + ".v", mv[1]);
        });
        return out;
    }

    /** Restores moments saved by {@link #stateArrays} and the step count. */
    public void restore(Map<String, float[]> arrays, Map<String, NDArray> params, int steps) {
        this.steps = steps;
        params.forEach((n, w) -> {
            float[] m = arrays.get(n + ".m");
            float[] v = arrays.get(n + ".v");
            if (m != null && v != null) {
                state.put(n, new NDArray[] {manager.create(m, w.getShape()), manager.create(v, w.getShape())});
            }
        });
    }
}

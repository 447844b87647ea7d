package io.flinkcumo.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.flinkcumo.engine.model.Scalars;

/**
 * CuMo's auxiliary router losses (ST-MoE style), on router logits [G, N, E] (G groups of N tokens):
 *
 * <ul>
 *   <li>load balancing: P[g,e] = mean_n softmax(logits)[g,n,e]; f[g,e] = fraction of the group's
 *       tokens whose top-1 expert (only the first of the top-k) is e; loss = E²·mean_{g,e}(P·f),
 *       which is 1 when perfectly balanced;</li>
 *   <li>router z-loss: mean over all tokens of (logsumexp_e logits)².</li>
 * </ul>
 *
 * CLIP and the MLP projector use one group per batch element (image or tile); the Mixtral LLM
 * flattens all tokens of the batch into one group ({@link #flatten}). The results are device
 * scalars in the autograd graph (f carries no gradient, P and the z-loss do).
 */
public final class AuxLosses {

    /** Weight of the load-balancing losses in the total loss. */
    public static final float BALANCE_COEF = 0.1f;
    /** Weight of the router z-losses in the total loss. */
    public static final float Z_COEF = 0.01f;

    private AuxLosses() {}

    /** logits [G, N, E] → the load-balancing loss of each group [G] (E·Σ_e P·f); their mean is the loss. */
    public static NDArray balancePerGroup(NDArray logits) {
        NDArray x = float32(logits);
        int e = (int) x.getShape().get(2);
        NDArray probs = x.softmax(-1); // [G, N, E]
        NDArray meanProb = probs.mean(new int[] {1}); // [G, E]
        NDArray top1 = probs.stopGradient().argMax(-1); // [G, N]
        NDArray fraction = top1.oneHot(e, DataType.FLOAT32).mean(new int[] {1}); // [G, E]
        return Scalars.mul(meanProb.mul(fraction).sum(new int[] {1}), e);
    }

    /** logits [G, N, E] → the z-loss of each group [G] (mean over its tokens of logsumexp²). */
    public static NDArray zPerGroup(NDArray logits) {
        NDArray x = float32(logits);
        NDArray max = x.max(new int[] {-1}, true).stopGradient();
        NDArray lse = x.sub(max).exp().sum(new int[] {-1}).log().add(max.squeeze(-1)); // [G, N]
        return lse.square().mean(new int[] {1});
    }

    /** Load-balancing loss of logits [G, N, E], groups per element (scalar). */
    public static NDArray balance(NDArray logits) {
        return balancePerGroup(logits).mean();
    }

    /** Router z-loss of logits [G, N, E] (scalar). */
    public static NDArray z(NDArray logits) {
        return zPerGroup(logits).mean();
    }

    /** [G, N, E] (or [N, E]) → [1, G·N, E]: all tokens as one group (Mixtral LLM style). */
    public static NDArray flatten(NDArray logits) {
        long e = logits.getShape().get(logits.getShape().dimension() - 1);
        return logits.reshape(1, -1, e);
    }

    private static NDArray float32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }
}

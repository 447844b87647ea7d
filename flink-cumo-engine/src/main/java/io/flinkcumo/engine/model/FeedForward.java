package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * The MLP slot of a transformer layer: a dense MLP, or a sparse MoE block of such MLPs. Input
 * rows are tokens: x [N, D] → [N, D'].
 */
public interface FeedForward {

    /** {@code tokens} says which request each row belongs to (MoE blocks route and record by it). */
    NDArray forward(NDArray x, TokenOwners tokens);
}

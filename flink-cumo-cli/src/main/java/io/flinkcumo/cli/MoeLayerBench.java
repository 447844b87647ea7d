package io.flinkcumo.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.model.ClipMlp;
import io.flinkcumo.engine.model.ForwardTrace;
import io.flinkcumo.engine.model.Linear;
import io.flinkcumo.engine.model.MoeRouter;
import io.flinkcumo.engine.model.SparseMoe;
import io.flinkcumo.engine.model.TokenOwners;
import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.engine.routing.RoutingRecorder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cost of one top-k-of-E CLIP-MoE layer against its dense CLIPMLP on the same tokens. Runs are
 * interleaved (dense, MoE, dense, MoE, …) so machine load affects both alike; reports medians.
 */
final class MoeLayerBench {

    record Result(int tokens, int hidden, int intermediate, int experts, int topK, double denseMs, double moeMs) {
        double ratio() {
            return moeMs / denseMs;
        }
    }

    static Result run(int tokens, int hidden, int intermediate, int experts, int topK, int repeats) {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipMlp dense = mlp(m, hidden, intermediate);
            List<ClipMlp> list = new ArrayList<>();
            for (int e = 0; e < experts; e++) {
                list.add(mlp(m, hidden, intermediate));
            }
            Linear gate = new Linear(m.randomNormal(0, 0.02f, new Shape(experts, hidden), ai.djl.ndarray.types.DataType.FLOAT32), null);
            SparseMoe moe = new SparseMoe(new MoeRouter(gate, topK), list, hidden, Component.VISION, 0);
            NDArray x = m.randomNormal(new Shape(tokens, hidden));
            int[] owners = new int[tokens];
            double[] denseMs = new double[repeats];
            double[] moeMs = new double[repeats];
            for (int i = -1; i < repeats; i++) { // i = -1 warms up
                try (NDManager scope = m.newSubManager()) {
                    NDArray in = x.duplicate();
                    in.attach(scope);
                    TokenOwners t = new TokenOwners(owners, new RoutingRecorder(1), ForwardTrace.NONE);
                    long t0 = System.nanoTime();
                    dense.forward(in, t).toFloatArray();
                    long t1 = System.nanoTime();
                    moe.forward(in, t).toFloatArray();
                    long t2 = System.nanoTime();
                    if (i >= 0) {
                        denseMs[i] = (t1 - t0) / 1e6;
                        moeMs[i] = (t2 - t1) / 1e6;
                    }
                }
            }
            return new Result(tokens, hidden, intermediate, experts, topK, median(denseMs), median(moeMs));
        }
    }

    private static ClipMlp mlp(NDManager m, int d, int f) {
        return new ClipMlp(
                new Linear(m.randomNormal(0, 0.02f, new Shape(f, d), ai.djl.ndarray.types.DataType.FLOAT32), m.zeros(new Shape(f))),
                new Linear(m.randomNormal(0, 0.02f, new Shape(d, f), ai.djl.ndarray.types.DataType.FLOAT32), m.zeros(new Shape(d))));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.routing.Component;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.routing.RoutingRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The sparse MoE block y_n = Σ_j ŵ_nj · Expert_{e_nj}(u_n), specified with experts whose outputs
 * are known: expert e maps a row u to (e + 1)·u. Dispatch must call each expert once with exactly
 * the rows routed to it, and combine must put every output back at its token with its gate weight.
 */
class SparseMoeTest {

    private NDManager m;
    private final List<List<float[]>> calls = new ArrayList<>(); // per expert: the rows it was given

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** Identity gate over D = E = 4 inputs, so the logits are the rows themselves. */
    private SparseMoe block(int k) {
        int experts = 4;
        List<FeedForward> list = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            int factor = e + 1;
            List<float[]> seen = new ArrayList<>();
            calls.add(seen);
            list.add((x, tokens) -> {
                float[] flat = x.toFloatArray();
                for (int r = 0; r < x.getShape().get(0); r++) {
                    seen.add(java.util.Arrays.copyOfRange(flat, r * 4, r * 4 + 4));
                }
                return x.mul(factor);
            });
        }
        return new SparseMoe(new MoeRouter(new Linear(m.eye(experts), null), k), list, 4, Component.PROJECTOR, 0);
    }

    private static TokenOwners owners(int[] owners, RoutingRecorder recorder) {
        return new TokenOwners(owners, recorder, ForwardTrace.NONE);
    }

    @Test
    void eachTokenIsTheGateWeightedSumOfItsTwoExperts() {
        float[] u0 = {0, 3, 1, 0}; // top-2: experts 1, 2
        float[] u1 = {2, 0, 0, 2}; // tie: experts 0, 3
        NDArray u = m.create(concat(u0, u1), new Shape(2, 4));

        float[] y = block(2).forward(u, owners(new int[] {0, 0}, new RoutingRecorder(1))).toFloatArray();

        double w = Math.exp(3) / (Math.exp(3) + Math.exp(1)); // expert 1's renormalised weight for u0
        for (int i = 0; i < 4; i++) {
            assertThat(y[i]).isCloseTo((float) ((w * 2 + (1 - w) * 3) * u0[i]), within(1e-5f));
            assertThat(y[4 + i]).isCloseTo((float) ((0.5 * 1 + 0.5 * 4) * u1[i]), within(1e-5f));
        }
    }

    @Test
    void eachExpertRunsOnceOnExactlyTheRowsRoutedToIt() {
        float[] a = {5, 4, 0, 0}; // experts 0, 1
        float[] b = {0, 4, 5, 0}; // experts 2, 1
        float[] c = {5, 0, 4, 0}; // experts 0, 2
        NDArray u = m.create(concat(a, b, c), new Shape(3, 4));

        block(2).forward(u, owners(new int[] {0, 1, 2}, new RoutingRecorder(3)));

        assertThat(calls.get(0)).containsExactly(a, c);
        assertThat(calls.get(1)).containsExactly(a, b);
        assertThat(calls.get(2)).containsExactly(b, c);
        assertThat(calls.get(3)).as("an expert no token chose is not run").isEmpty();
    }

    @Test
    void paddingRowsGiveZeroAndReachNoExpert() {
        float[] real = {0, 0, 0, 7};
        float[] pad = {9, 9, 9, 9};
        NDArray u = m.create(concat(pad, real), new Shape(2, 4));

        float[] y = block(1).forward(u, owners(new int[] {-1, 0}, new RoutingRecorder(1))).toFloatArray();

        assertThat(java.util.Arrays.copyOfRange(y, 0, 4)).containsOnly(0f);
        assertThat(java.util.Arrays.copyOfRange(y, 4, 8)).containsExactly(0, 0, 0, 28); // expert 3: ×4, weight 1
        assertThat(calls.stream().mapToInt(List::size).sum()).isEqualTo(1);
    }

    @Test
    void routingIsRecordedPerRequestWithoutPadding() {
        RoutingRecorder recorder = new RoutingRecorder(2);
        NDArray u = m.create(concat(new float[] {0, 3, 1, 0}, new float[] {1, 1, 1, 1}, new float[] {0, 0, 1, 3}), new Shape(3, 4));

        block(2).forward(u, owners(new int[] {1, -1, 1}, recorder));

        assertThat(recorder.statsOf(0).layers()).isEmpty();
        LayerRouting r = recorder.statsOf(1).of(Component.PROJECTOR).get(0);
        assertThat(r.tokens()).isEqualTo(2);
        assertThat(r.top1Counts()).containsExactly(0, 1, 0, 1);
        assertThat(r.topkCounts()).containsExactly(0, 1, 2, 1);
        double w = Math.exp(3) / (Math.exp(3) + Math.exp(1)); // the top weight of both tokens
        assertThat(r.meanGateWeight()[2]).isCloseTo(1 - w, within(1e-6));
        assertThat(r.meanGateWeight()[1]).isCloseTo(w, within(1e-6));
    }

    @Test
    void refusesARouterWithADifferentNumberOfExperts() {
        MoeRouter router = new MoeRouter(new Linear(m.eye(3), null), 2);
        FeedForward expert = (x, tokens) -> x;

        assertThatThrownBy(() -> new SparseMoe(router, List.of(expert, expert), 3, Component.VISION, 5))
                .hasMessage("vision layer 5: router has 3 outputs but 2 experts");
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}

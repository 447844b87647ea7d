package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The router as CuMo's code defines it: p = softmax(W_gate·u) in float32, top-k of p (ties: lower
 * expert first), weights p_top / Σ p_top. With an identity gate the logits are the input rows, so
 * every expectation below is computed by hand from the logits.
 */
class MoeRouterTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** A router whose logits are the input rows: W_gate = I [E, E], no bias. */
    private MoeRouter identityRouter(int experts, int k) {
        return new MoeRouter(new Linear(m.eye(experts), null), k);
    }

    private NDArray rows(float[][] logits) {
        float[] flat = new float[logits.length * logits[0].length];
        for (int i = 0; i < logits.length; i++) {
            System.arraycopy(logits[i], 0, flat, i * logits[0].length, logits[0].length);
        }
        return m.create(flat, new Shape(logits.length, logits[0].length));
    }

    @Test
    void picksTheTwoLargestProbabilitiesHighestFirstAndRenormalisesThem() {
        MoeRouter.Decision d = identityRouter(4, 2).route(rows(new float[][] {{1, 3, 2, 0}}), new int[] {0});

        assertThat(d.topIdx()).containsExactly(1, 2);
        // p_j / (p_1 + p_2) = e^l_j / (e^3 + e^2): the softmax denominator cancels
        double w1 = Math.exp(3) / (Math.exp(3) + Math.exp(2));
        assertThat(d.topW()[0]).isCloseTo((float) w1, within(1e-6f));
        assertThat(d.topW()[1]).isCloseTo((float) (1 - w1), within(1e-6f));
        // the probabilities recorded are the full softmax, not the renormalised weights
        double z = Math.exp(1) + Math.exp(3) + Math.exp(2) + Math.exp(0);
        assertThat(d.probs()).containsExactly(
                new float[] {(float) (Math.exp(1) / z), (float) (Math.exp(3) / z), (float) (Math.exp(2) / z), (float) (1 / z)},
                within(1e-6f));
    }

    @Test
    void tiesGoToTheLowerExpertIndex() {
        MoeRouter.Decision d = identityRouter(4, 2).route(rows(new float[][] {{0, 2, 2, 2}, {5, 5, 5, 5}}), new int[] {0, 0});

        assertThat(d.topIdx()).containsExactly(1, 2, 0, 1);
        assertThat(d.topW()).containsExactly(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, within(1e-6f));
    }

    @Test
    void topOneGivesTheWholeWeightToOneExpert() {
        MoeRouter.Decision d = identityRouter(3, 1).route(rows(new float[][] {{0, -1, 4}}), new int[] {0});

        assertThat(d.topIdx()).containsExactly(2);
        assertThat(d.topW()).containsExactly(1f);
    }

    @Test
    void topKOfAllExpertsKeepsTheSoftmaxItself() {
        MoeRouter.Decision d = identityRouter(3, 3).route(rows(new float[][] {{2, 0, 1}}), new int[] {0});

        assertThat(d.topIdx()).containsExactly(0, 2, 1);
        double z = Math.exp(2) + Math.exp(0) + Math.exp(1);
        assertThat(d.topW()).containsExactly(
                new float[] {(float) (Math.exp(2) / z), (float) (Math.exp(1) / z), (float) (1 / z)}, within(1e-6f));
    }

    @Test
    void paddingRowsAreNotRoutedAndWeighNothing() {
        MoeRouter.Decision d = identityRouter(4, 2).route(rows(new float[][] {{9, 0, 0, 0}, {0, 0, 9, 1}}), new int[] {-1, 3});

        assertThat(d.topIdx()).containsExactly(0, 0, 2, 3);
        assertThat(d.topW()[0]).isZero();
        assertThat(d.topW()[1]).isZero();
        assertThat(d.topW()[2] + d.topW()[3]).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void theDeviceGateWeightsEqualTheHostWeights() {
        float[][] logits = {{0.3f, -1.2f, 2.5f, 0.7f}, {1, 1, 0, -2}, {-0.5f, 4, 3.9f, 0}};
        MoeRouter.Decision d = identityRouter(4, 2).route(rows(logits), new int[] {0, 1, 2});

        NDArray gate = d.gateWeights(); // [N, k]
        assertThat(gate.getShape()).isEqualTo(new Shape(3, 2));
        assertThat(gate.toFloatArray()).containsExactly(d.topW(), within(1e-6f));
    }

    @Test
    void theGateIsALinearLayerOnTheTokens() {
        // W_gate [E=2, D=3] and a bias: logits = u·Wᵀ + b = [1, 0] + [0, 2] → expert 1 first
        Linear gate = new Linear(m.create(new float[] {1, 0, 0, 0, 1, 0}, new Shape(2, 3)), m.create(new float[] {0, 2}));
        MoeRouter.Decision d = new MoeRouter(gate, 1).route(m.create(new float[] {1, 0, 5}, new Shape(1, 3)), new int[] {0});

        assertThat(d.logits().toFloatArray()).containsExactly(1f, 2f);
        assertThat(d.topIdx()).containsExactly(1);
        assertThat(new MoeRouter(gate, 1).numExperts()).isEqualTo(2);
    }
}

package io.flinkcumo.engine.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ScalarsTest {

    @Test
    void constantFactorsSurviveGarbageCollectionBetweenForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = m.create(new float[] {1f, -2f, 0.5f});
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = x;
                for (int i = 0; i < 50; i++) { // 50 constant factors of 1.25·0.8 = 1 each
                    y = Scalars.mul(Scalars.mul(y, 1.25f), 0.8f);
                }
                NDArray loss = Scalars.mul(y, 3f).sum();
                collectAndScribble(); // what DJL's mul(Number) left behind would now be freed and reused
                gc.backward(loss);
            }
            float[] grad = x.getGradient().toFloatArray();
            for (float g : grad) {
                assertThat(g).isCloseTo(3f, org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    /** Runs the collector (freeing unreachable direct buffers) and fills fresh small direct buffers with NaN. */
    private static void collectAndScribble() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            List<ByteBuffer> scribbles = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, Float.NaN);
                scribbles.add(b);
            }
        }
    }
}

package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ScopesTest {

    @Test
    void freesAStepsTemporariesButKeepsItsResult() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray[] temporary = new NDArray[1];
            NDArray result = Scopes.keep(() -> {
                temporary[0] = m.create(new long[] {2, 0, 1}); // a Java-array-backed index, as routing makes
                return m.create(new float[] {1, 2, 3}).get(temporary[0]);
            });
            assertThat(temporary[0].isReleased()).isTrue();
            assertThat(result.isReleased()).isFalse();
            assertThat(result.toFloatArray()).containsExactly(3, 1, 2);
        }
    }

    @Test
    void retainingKeepsEveryTemporaryForTheBackwardPass() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray[] temporary = new NDArray[1];
            Scopes.retaining(() -> Scopes.keep(() -> {
                temporary[0] = m.create(new long[] {2, 0, 1});
                return m.create(new float[] {1, 2, 3}).get(temporary[0]);
            }));
            assertThat(temporary[0].isReleased()).isFalse();
            assertThat(temporary[0].toLongArray()).containsExactly(2, 0, 1);
            // and the thread is back to freeing afterwards
            NDArray[] later = new NDArray[1];
            Scopes.keep(() -> {
                later[0] = m.create(1f);
                return m.create(2f);
            });
            assertThat(later[0].isReleased()).isTrue();
        }
    }
}

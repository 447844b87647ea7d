package io.flinkcumo.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.ModelInput;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The splice, specified with a language model whose embedding of token id t is the row [t, t] and
 * image rows whose values name their image and row (100·image + row): the batch must hold each
 * prompt's tokens and image rows in prompt order, then zeros.
 */
class SpliceTest {

    private static final int IMG = ModelInput.IMAGE_TOKEN_INDEX;
    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** Embeds id t as [t, t]; nothing else is used by the splice. */
    private static final LanguageModel TWO_WIDE = new LanguageModel() {
        public int numLayers() {
            return 0;
        }

        public int hiddenSize() {
            return 2;
        }

        public int numKeyValueHeads() {
            return 1;
        }

        public int headDim() {
            return 2;
        }

        public int vocabSize() {
            return 1000;
        }

        public NDArray embed(NDArray ids) {
            NDArray column = ids.toType(DataType.FLOAT32, false).reshape(-1, 1);
            return column.concat(column, 1);
        }

        public NDArray forward(NDArray x, int[][] positions, NDArray mask, KvCache cache, TokenOwners tokens, boolean trace) {
            throw new UnsupportedOperationException();
        }

        public NDArray logits(NDArray hidden) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void imageRowsReplaceEachPlaceholderInOrderAndShortRowsArePaddedWithZeros() {
        Splice s = new Splice(List.of(new int[] {5, IMG, 6}, new int[] {IMG, 7}), 0, 2);
        assertThat(s.lengths()).containsExactly(4, 3);
        assertThat(s.maxLength()).isEqualTo(4);
        assertThat(s.imageRows()).isEqualTo(4);
        NDArray images = m.create(new float[] {0, 0, 1, 1, 100, 100, 101, 101}, new Shape(4, 2)); // image 0 rows 0-1, image 1 rows 0-1
        float[] x = s.embed(m, TWO_WIDE, images, DataType.FLOAT32).toFloatArray(); // [2, 4, 2]
        assertThat(x).containsExactly(
                5, 5, 0, 0, 1, 1, 6, 6, // row 0: text 5, image 0, text 6
                100, 100, 101, 101, 7, 7, 0, 0); // row 1: image 1, text 7, padding
        // which prompt index each spliced position holds (labels follow it in training)
        assertThat(new int[] {s.sourceOf(0, 0), s.sourceOf(0, 1), s.sourceOf(0, 2), s.sourceOf(0, 3)}).containsExactly(0, -1, -1, 2);
        assertThat(new int[] {s.sourceOf(1, 0), s.sourceOf(1, 2), s.sourceOf(1, 3)}).containsExactly(-1, 1, -1);
    }

    @Test
    void aCachedPrefixIsSkippedAndTheImageRowCountIsChecked() {
        Splice s = new Splice(List.of(new int[] {1, 2, IMG, 3}), 2, 1);
        assertThat(s.lengths()).containsExactly(2);
        assertThat(s.sourceOf(0, 1)).isEqualTo(3);
        assertThatThrownBy(() -> s.embed(m, TWO_WIDE, null, DataType.FLOAT32))
                .hasMessage("the prompts hold 1 image rows but 0 were given");
        float[] x = s.embed(m, TWO_WIDE, m.create(new float[] {9, 9}, new Shape(1, 2)), DataType.FLOAT32).toFloatArray();
        assertThat(x).containsExactly(9, 9, 3, 3);
    }
}

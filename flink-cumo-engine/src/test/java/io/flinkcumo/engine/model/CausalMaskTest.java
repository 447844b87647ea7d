package io.flinkcumo.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The additive mask, specified by which keys each query sees ('x' visible, '.' hidden). */
class CausalMaskTest {

    /** Row {@code r}, query {@code q} as a string over the T slots. */
    private static String seen(CausalMask mask, int rows, int positions, int r, int q) {
        float[] v = mask.values();
        int t = mask.slots();
        assertThat(v).hasSize(rows * positions * t);
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < t; j++) {
            float x = v[(r * positions + q) * t + j];
            assertThat(x == 0f || x == Float.NEGATIVE_INFINITY).isTrue();
            s.append(x == 0f ? 'x' : '.');
        }
        return s.toString();
    }

    @Test
    void withoutPastEachPositionSeesItselfAndEarlierOnes() {
        CausalMask m = CausalMask.causal(3);
        assertThat(seen(m, 1, 3, 0, 0)).isEqualTo("x..");
        assertThat(seen(m, 1, 3, 0, 1)).isEqualTo("xx.");
        assertThat(seen(m, 1, 3, 0, 2)).isEqualTo("xxx");
    }

    @Test
    void rightPaddingIsNeverAKey() {
        CausalMask m = new CausalMask(2, 3, 0).lengths(new int[] {3, 1});
        assertThat(seen(m, 2, 3, 1, 0)).isEqualTo("x..");
        assertThat(seen(m, 2, 3, 1, 2)).isEqualTo("x.."); // a padding query reads the real key only (no all −∞ row)
        assertThat(seen(m, 2, 3, 0, 2)).isEqualTo("xxx");
    }

    @Test
    void pastSlotsAreSeenByEveryNewPosition() {
        // a shared prefix of 2 cached slots, then 2 new positions (chunked prefill has the same shape)
        CausalMask m = new CausalMask(1, 2, 2);
        assertThat(m.slots()).isEqualTo(4);
        assertThat(seen(m, 1, 2, 0, 0)).isEqualTo("xxx.");
        assertThat(seen(m, 1, 2, 0, 1)).isEqualTo("xxxx");
    }

    @Test
    void pastSpansHidePaddingAndOtherSequencesSlots() {
        // a decode step after a 4-slot prompt block where row 0's prompt is 2 long and 1 token was generated at slot 4
        CausalMask m = new CausalMask(2, 1, 5).seePast(0, 0, 2, 4, 5).seePast(1, 0, 4, 4, 5);
        assertThat(seen(m, 2, 1, 0, 0)).isEqualTo("xx..xx");
        assertThat(seen(m, 2, 1, 1, 0)).isEqualTo("xxxxxx");
        assertThatThrownBy(() -> m.seePast(0, 1)).hasMessageContaining("pairs");
        assertThatThrownBy(() -> m.lengths(new int[] {1})).hasMessageContaining("1 lengths for 2 rows");
    }
}

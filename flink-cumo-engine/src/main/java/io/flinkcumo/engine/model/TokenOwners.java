package io.flinkcumo.engine.model;

import io.flinkcumo.engine.routing.RoutingRecorder;

/**
 * Who owns each token row passed through a {@link FeedForward}: the request index, or -1 for
 * padding rows (which MoE blocks skip: their output is zero and they are not counted), plus where
 * routing decisions go.
 */
public record TokenOwners(int[] owners, RoutingRecorder recorder, ForwardTrace trace) {

    /** Each of {@code groups} owners repeated {@code perGroup} times (e.g. crops × tokens). */
    public static int[] repeatEach(int[] groups, int perGroup) {
        int[] out = new int[groups.length * perGroup];
        for (int g = 0; g < groups.length; g++) {
            java.util.Arrays.fill(out, g * perGroup, (g + 1) * perGroup, groups[g]);
        }
        return out;
    }

    public int size() {
        return owners.length;
    }
}

package io.flinkcumo.engine.text;

import java.util.Arrays;

/** A growable {@code int} array, to build id sequences without boxing. */
final class IntList {
    private int[] values;
    private int size;

    IntList(int capacity) {
        values = new int[Math.max(capacity, 4)];
    }

    void add(int v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    /** Appends {@code vs[from..]}. */
    void addAll(int[] vs, int from) {
        for (int i = from; i < vs.length; i++) {
            add(vs[i]);
        }
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}

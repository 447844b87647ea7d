package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The benchmarks {@code cumo score} and {@code cumo benchmark} know, by name. */
public final class BenchTasks {

    private static final List<BenchTask> ALL = List.of(
            new ScienceQaTask(), new TextVqaTask(), new GqaTask(), new PopeTask(), new MmeTask(),
            new MmBenchTask(false), new MmBenchTask(true), new Vqav2Task(), new SeedTask(), new MmmuTask());

    private BenchTasks() {}

    /** All tasks, in the paper's column order. */
    public static List<BenchTask> all() {
        return ALL;
    }

    public static List<String> names() {
        List<String> names = new ArrayList<>();
        ALL.forEach(t -> names.add(t.name()));
        return names;
    }

    /** The task called {@code name} (case-insensitive, {@code -} for {@code _}). */
    public static BenchTask byName(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace('-', '_');
        for (BenchTask t : ALL) {
            if (t.name().equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "'; known: " + String.join(", ", names()));
    }
}

package io.flinkcumo.cli;

import io.flinkcumo.engine.train.ShapesDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cumo make-shapes}: the synthetic shapes dataset (images, captions, questions). */
@Command(name = "make-shapes", mixinStandardHelpOptions = true,
        description = "Draw a synthetic dataset of shapes with captions and question-answer pairs (train + held-out test split).")
final class MakeShapesCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--train", defaultValue = "2000", description = "Training images (default ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--test", defaultValue = "200", description = "Held-out images (default ${DEFAULT-VALUE}).")
    int test;

    @Option(names = "--size", defaultValue = "112", description = "Image side in pixels (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (size < 84) {
            throw new IllegalArgumentException("--size must be >= 84");
        }
        new ShapesDataset(size).write(out, train, test, seed);
        System.out.println("wrote " + train + " training and " + test + " held-out images to " + out);
        return 0;
    }
}

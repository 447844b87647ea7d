package io.flinkcumo.cli;

import io.flinkcumo.engine.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cumo train}: one stage of the CuMo training recipe. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one stage of the CuMo recipe: 1 = projector on captions, 2 = everything (dense) on detailed captions, "
                + "3 = the upcycled MoE model on visual questions with the auxiliary losses.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--stage", required = true, description = "1, 2 or 3.")
    int stage;

    @Option(names = "--model", required = true, description = "Model to start from.")
    Path model;

    @Option(names = "--data", required = true, description = "Dataset directory (cumo make-shapes).")
    Path data;

    @Option(names = "--out", required = true, description = "Output model directory (checkpoints, trainer/ state and log.tsv).")
    Path out;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--max-steps", defaultValue = "0", description = "Stop after this many steps (0 = all epochs).")
    int maxSteps;

    @Option(names = "--batch-size", defaultValue = "16", description = "Samples per step (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--warmup-ratio", defaultValue = "0.03", description = "Warm-up fraction of the steps (default ${DEFAULT-VALUE}).")
    float warmupRatio;

    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--no-aux", description = "Stage 3 without the auxiliary losses (for comparison).")
    boolean noAux;

    @Option(names = "--seed", defaultValue = "0", description = "Data order seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--save-every", defaultValue = "200", description = "Checkpoint every N steps (default ${DEFAULT-VALUE}; always at the end).")
    int saveEvery;

    @Option(names = "--resume", description = "Continue from the checkpoint and trainer state in --out.")
    boolean resume;

    @Option(names = "--max-grad-norm", defaultValue = "1.0",
            description = "Clip the global gradient norm to this value (default ${DEFAULT-VALUE}; 0 = no clipping).")
    float maxGradNorm;

    @Override
    public Integer call() throws Exception {
        new Trainer(new Trainer.Options(stage, model, data, out, epochs, maxSteps, batchSize, lr, warmupRatio, weightDecay, !noAux,
                seed, saveEvery, resume, maxGradNorm), System.err).run();
        System.out.println("stage " + stage + " done: " + out);
        return 0;
    }
}

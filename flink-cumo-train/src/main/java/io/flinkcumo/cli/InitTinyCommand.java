package io.flinkcumo.cli;

import io.flinkcumo.engine.CheckpointGenerator;
import io.flinkcumo.engine.safetensors.Dtype;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cumo init-tiny}: a random CuMo checkpoint in the official layout, any size. */
@Command(
        name = "init-tiny",
        mixinStandardHelpOptions = true,
        description = "Write a randomly initialised CuMo checkpoint in the official Hugging Face layout "
                + "(config.json with vision_config, sharded safetensors, SentencePiece tokenizer).")
final class InitTinyCommand implements Callable<Integer> {

    enum Llm { mistral, mixtral }

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--llm", defaultValue = "mistral", description = "Language model: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Llm llm;

    @Option(names = "--image-size", defaultValue = "336", description = "Crop size, a multiple of 14 (default ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--vision-hidden", defaultValue = "64", description = "CLIP width (default ${DEFAULT-VALUE}).")
    int visionHidden;

    @Option(names = "--vision-layers", defaultValue = "3", description = "CLIP layers incl. the unused last one (default ${DEFAULT-VALUE}).")
    int visionLayers;

    @Option(names = "--vision-heads", defaultValue = "4", description = "CLIP attention heads (default ${DEFAULT-VALUE}).")
    int visionHeads;

    @Option(names = "--hidden", defaultValue = "64", description = "LLM width (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "2", description = "LLM layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "LLM attention heads (default ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "2", description = "LLM key/value heads (default ${DEFAULT-VALUE}).")
    int kvHeads;

    @Option(names = "--dtype", defaultValue = "BF16", description = "Storage type: BF16, F16 or F32 (default ${DEFAULT-VALUE}).")
    Dtype dtype;

    @Option(names = "--shards", defaultValue = "2", description = "Number of safetensors shards (default ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dense", description = "Dense CLIP MLPs and an mlp2x_gelu projector (a LLaVA-style model to train and upcycle).")
    boolean dense;

    @Override
    public Integer call() throws Exception {
        if (dtype != Dtype.BF16 && dtype != Dtype.F16 && dtype != Dtype.F32) {
            throw new IllegalArgumentException("--dtype must be BF16, F16 or F32, got " + dtype);
        }
        for (int v : new int[] {visionHidden, visionLayers, visionHeads, hidden, layers, heads, kvHeads, shards}) {
            if (v < 1) {
                throw new IllegalArgumentException("sizes, layers, heads and shards must be >= 1");
            }
        }
        if (visionLayers < 2 || hidden % heads != 0 || heads % kvHeads != 0 || visionHidden % visionHeads != 0) {
            throw new IllegalArgumentException(
                    "need --vision-layers >= 2, --hidden divisible by --heads, --heads by --kv-heads, --vision-hidden by --vision-heads");
        }
        CheckpointGenerator.Spec spec = new CheckpointGenerator.Spec(
                llm == Llm.mixtral, imageSize, visionHidden, visionHidden * 2, visionLayers, visionHeads, hidden, hidden * 5 / 2,
                layers, heads, kvHeads, 4, 2, 4, dtype, shards, seed);
        if (dense) {
            spec = spec.asDense();
        }
        new CheckpointGenerator(spec).write(out);
        System.out.println("wrote a random " + (dense ? "dense " : "") + llm + " CuMo checkpoint to " + out);
        return 0;
    }
}

package io.flinkcumo.cli;

import io.flinkcumo.engine.train.Upcycler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cumo upcycle}: co-upcycle a dense LLaVA-style checkpoint into the CuMo MoE layout. */
@Command(
        name = "upcycle",
        mixinStandardHelpOptions = true,
        description = "Co-upcycle a dense checkpoint (dense CLIP MLPs, mlp2x_gelu projector): every expert a copy of its "
                + "dense MLP, new routers U(-1/sqrt(fan_in), 1/sqrt(fan_in)), config switched to clip_smoe/smoe_mlp.")
final class UpcycleCommand implements Callable<Integer> {

    @Option(names = "--dense", required = true, description = "Dense model directory (config.json + safetensors + tokenizer).")
    Path dense;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--experts", defaultValue = "4", description = "Experts per MoE block (default ${DEFAULT-VALUE}).")
    int experts;

    @Option(names = "--top-k", defaultValue = "2", description = "Experts selected per token (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Router initialisation seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        new Upcycler(experts, topK, seed).upcycle(dense, out);
        System.out.println("upcycled " + dense + " to " + out + " (" + experts + " experts, top-" + topK + ")");
        return 0;
    }
}

package io.flinkcumo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.runtime.ImageFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cumo answer}: one question about one image. */
@Command(name = "answer", mixinStandardHelpOptions = true, description = "Answer a question about an image.")
final class AnswerCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--image", required = true, description = "Image file (PNG, JPEG, GIF, BMP, WebP).")
    Path image;

    @Option(names = "--question", required = true, description = "The question.")
    String question;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default); > 0 samples.")
    float temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass (default ${DEFAULT-VALUE} = off).")
    float topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens (default 0 = off).")
    int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print a JSON object with answer, token_ids and routing.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        GenerationConfig config = new GenerationConfig(maxNewTokens, temperature, topP, topK, seed);
        // regular files only, read up to the decoder's byte limit: a FIFO or /dev/zero is refused, not read
        byte[] bytes = ImageFiles.readRegularFile(image, ImageDecoder.Limits.DEFAULT.maxBytes());
        try (CumoEngine engine = model.load()) {
            CumoResult r = engine.answer(List.of(CumoRequest.of(image.getFileName().toString(), bytes, question, config))).get(0);
            System.out.println(json ? toJson(r) : r.answer());
        }
        return 0;
    }

    static String toJson(CumoResult r) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("answer", r.answer());
        ArrayNode ids = o.putArray("token_ids");
        for (int id : r.tokenIds()) {
            ids.add(id);
        }
        o.put("stopped_on_eos", r.stoppedOnEos());
        o.put("prompt_positions", r.promptPositions());
        ObjectNode t = o.putObject("timings_ms");
        t.put("preprocess", r.preprocessNanos() / 1e6);
        t.put("vision", r.timings().visionNanos() / 1e6);
        t.put("prefill", r.timings().prefillNanos() / 1e6);
        t.put("decode", r.timings().decodeNanos() / 1e6);
        ArrayNode routing = o.putArray("routing");
        for (LayerRouting l : r.routing().layers()) {
            ObjectNode n = routing.addObject();
            n.put("component", l.component().label());
            n.put("layer", l.layer());
            n.put("tokens", l.tokens());
            n.set("top1_tokens", mapper.valueToTree(l.top1Counts()));
            n.set("topk_tokens", mapper.valueToTree(l.topkCounts()));
            n.set("mean_router_prob", mapper.valueToTree(l.meanRouterProb()));
            n.set("mean_gate_weight", mapper.valueToTree(l.meanGateWeight()));
            n.put("router_entropy", l.routerEntropy());
        }
        return mapper.writeValueAsString(o);
    }
}

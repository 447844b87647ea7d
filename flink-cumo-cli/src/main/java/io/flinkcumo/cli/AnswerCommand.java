package io.flinkcumo.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkcumo.engine.CumoEngine;
import io.flinkcumo.engine.CumoRequest;
import io.flinkcumo.engine.CumoResult;
import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.routing.LayerRouting;
import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.runtime.core.ImageFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cumo answer}: a question about zero, one or several images ({@code --image}, in order),
 * or a multi-turn conversation in LLaVA's format ({@code --conversation FILE.json}), whose
 * {@code <image>} placeholders take the {@code --image}s in order.
 */
@Command(name = "answer", mixinStandardHelpOptions = true,
        description = "Answer a question about images (none, one or several), or continue a conversation.")
final class AnswerCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--image", description = "Image file (PNG, JPEG, GIF, BMP, WebP); repeat for several images,"
            + " in order. None for a text-only question.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--question", description = "The question (about the --image's, in order).")
    String question;

    @Option(names = "--conversation", paramLabel = "FILE.json", description = "A conversation in LLaVA's format instead of"
            + " --question: [{\"from\": \"human\", \"value\": \"<image>\\n...\"}, {\"from\": \"gpt\", \"value\": \"...\"}, ...,"
            + " {\"from\": \"human\", ...}]; its <image> placeholders take the --image's in order.")
    Path conversation;

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
        if ((question == null) == (conversation == null)) {
            throw new IllegalArgumentException("give either --question or --conversation FILE.json");
        }
        Conversation turns = conversation != null
                ? readConversation(conversation)
                : Conversation.singleTurn(CumoRequest.requireQuestion(question), images.size());
        if (turns.imageCount() != images.size()) {
            throw new IllegalArgumentException("the conversation has " + turns.imageCount() + " <image> placeholder(s) but "
                    + images.size() + " --image(s) were given");
        }
        List<byte[]> bytes = new ArrayList<>();
        for (Path image : images) {
            // regular files only, read up to the decoder's byte limit: a FIFO or /dev/zero is refused, not read
            bytes.add(ImageFiles.readRegularFile(image, ImageDecoder.Limits.DEFAULT.maxBytes()));
        }
        String id = images.isEmpty() ? "text" : images.get(0).getFileName().toString();
        try (CumoEngine engine = model.load()) {
            CumoResult r = engine.answer(List.of(new CumoRequest(id, bytes, turns, config))).get(0);
            System.out.println(json ? toJson(r) : r.answer());
        }
        return 0;
    }

    /**
     * Reads LLaVA's conversation format: messages alternating {@code human} and {@code gpt},
     * starting and ending with {@code human} (the question to answer).
     */
    static Conversation readConversation(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("conversation " + file + " does not exist or is not a file");
        }
        JsonNode messages;
        try {
            messages = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("conversation " + file + " is not JSON: " + e.getOriginalMessage());
        }
        String shape = "conversation " + file + " must be a JSON array of {\"from\": \"human\"|\"gpt\", \"value\": TEXT}"
                + " messages, alternating, starting and ending with \"human\"";
        if (messages == null || !messages.isArray() || messages.isEmpty() || messages.size() % 2 == 0) {
            throw new IllegalArgumentException(shape);
        }
        List<Conversation.Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i += 2) {
            String user = message(messages.get(i), "human", i, shape);
            String assistant = i + 1 < messages.size() ? message(messages.get(i + 1), "gpt", i + 1, shape) : null;
            turns.add(new Conversation.Turn(user, assistant));
        }
        return Conversation.of(Conversation.Template.MISTRAL_INSTRUCT_SYSTEM, turns);
    }

    private static String message(JsonNode m, String from, int index, String shape) {
        if (m == null || !m.isObject() || !from.equals(m.path("from").asText()) || !m.path("value").isTextual()) {
            throw new IllegalArgumentException(shape + " (message " + index + " should be from \"" + from + "\")");
        }
        return m.get("value").asText();
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

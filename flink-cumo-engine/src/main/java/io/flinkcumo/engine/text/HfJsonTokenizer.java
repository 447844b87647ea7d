package io.flinkcumo.engine.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A {@link CumoTokenizer} over a Hugging Face {@code tokenizer.json}, run by DJL's binding of the
 * Rust {@code tokenizers} library, for checkpoints that ship no {@code tokenizer.model}.
 *
 * <p>Encoding follows the file's own pipeline (normaliser, pre-tokeniser, model, post-processor),
 * which for Llama-family fast tokenizers may differ from the slow tokenizer CuMo was trained with
 * in corner cases (text right after a special token); prefer {@link LlamaTokenizer} when {@code
 * tokenizer.model} exists. Special-token names come from {@code tokenizer_config.json} / {@code
 * special_tokens_map.json} when present, else {@code <s>}, {@code </s>}, {@code <unk>}.
 *
 * <p>Holds a native tokenizer: {@link #close()} it when done. DJL's tokenizer may be shared by
 * threads.
 */
public final class HfJsonTokenizer implements CumoTokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final int bosId;
    private final int eosId;
    private final int padId;

    private HfJsonTokenizer(
            HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab, TokenizerConfig config) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.bosId = idOf(vocab, config.bosToken());
        this.eosId = idOf(vocab, config.eosToken());
        this.padId = idOf(vocab, config.padToken());
    }

    /**
     * Loads {@code tokenizer.json} from a checkpoint directory.
     *
     * @throws IOException if the file is missing or malformed, or the native library cannot load
     */
    public static HfJsonTokenizer load(Path modelDir) throws IOException {
        Path file = modelDir.resolve(CumoTokenizer.HF_JSON_FILE);
        Map<String, Integer> vocab = readVocabulary(file);
        TokenizerConfig config = TokenizerConfig.read(modelDir);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer =
                    HuggingFaceTokenizer.builder()
                            .optTokenizerPath(file)
                            .optAddSpecialTokens(true)
                            .optTruncation(false)
                            .optPadding(false)
                            .build();
        } catch (RuntimeException | LinkageError e) {
            // LinkageError: the native tokenizers library could not be loaded
            throw new IOException("cannot load " + file + " with DJL tokenizers: " + e, e);
        }
        return new HfJsonTokenizer(tokenizer, vocab, config);
    }

    @Override
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        long[] ids = tokenizer.encode(text, true, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException(
                        "token id " + ids[i] + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, true);
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static int idOf(Map<String, Integer> vocab, String token) {
        Integer id = token == null ? null : vocab.get(token);
        return id == null ? -1 : id;
    }

    /** Token to id, from {@code model.vocab} (object or Unigram list) and {@code added_tokens}. */
    static Map<String, Integer> readVocabulary(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException("cannot parse " + file + ": " + e.getOriginalMessage(), e);
        }
        JsonNode vocabNode = root == null ? null : root.path("model").get("vocab");
        if (vocabNode == null || !(vocabNode.isObject() || vocabNode.isArray())) {
            throw new IOException(file + " has no model.vocab");
        }
        Map<String, Integer> vocab = new HashMap<>();
        if (vocabNode.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        } else {
            for (int id = 0; id < vocabNode.size(); id++) {
                vocab.put(vocabNode.get(id).path(0).asText(), id);
            }
        }
        for (JsonNode t : root.path("added_tokens")) {
            vocab.put(t.path("content").asText(), t.path("id").asInt());
        }
        return vocab;
    }
}

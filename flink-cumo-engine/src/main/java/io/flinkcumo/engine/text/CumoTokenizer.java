package io.flinkcumo.engine.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer of a CuMo checkpoint: text to ids with BOS, prompts with {@code <image>}
 * placeholders to ids with {@link #IMAGE_TOKEN_INDEX}, and generated ids back to text.
 *
 * <p>Use {@link #load(Path)} to pick the implementation for a checkpoint directory. Implementations
 * are thread-safe.
 */
public interface CumoTokenizer extends AutoCloseable {

    /** The id that marks where an image's rows are spliced in (LLaVA's {@code IMAGE_TOKEN_INDEX}). */
    int IMAGE_TOKEN_INDEX = -200;

    /** The placeholder for one image in a prompt string. */
    String IMAGE_PLACEHOLDER = "<image>";

    /** SentencePiece model file, preferred when present. */
    String SENTENCEPIECE_FILE = "tokenizer.model";

    /** Hugging Face fast-tokenizer file, used when there is no {@link #SENTENCEPIECE_FILE}. */
    String HF_JSON_FILE = "tokenizer.json";

    /**
     * Encodes text the way the model's Hugging Face tokenizer does when called on it, including the
     * BOS id (and EOS if configured), with literal special-token strings such as {@code <s>} mapped
     * to their ids.
     */
    int[] encode(String text);

    /**
     * Encodes a prompt containing {@code <image>} placeholders like LLaVA's {@code
     * tokenizer_image_token}: the prompt is split on {@code <image>} and every chunk is encoded on
     * its own with {@link #encode}; if the first chunk starts with BOS, one BOS is emitted and every
     * chunk's first id is dropped; chunks are joined with one {@link #IMAGE_TOKEN_INDEX} each.
     */
    default int[] encodeImagePrompt(String prompt) {
        if (prompt == null) {
            throw new IllegalArgumentException("prompt must not be null");
        }
        List<int[]> chunks = new ArrayList<>();
        for (String chunk : splitOnImagePlaceholder(prompt)) {
            chunks.add(encode(chunk));
        }
        int[] first = chunks.get(0);
        int offset = first.length > 0 && first[0] == bosId() ? 1 : 0;
        IntList out = new IntList(prompt.length() + 8);
        if (offset == 1) {
            out.add(first[0]);
        }
        for (int k = 0; k < chunks.size(); k++) {
            if (k > 0) {
                out.add(IMAGE_TOKEN_INDEX);
            }
            out.addAll(chunks.get(k), offset);
        }
        return out.toArray();
    }

    /**
     * Decodes ids to text, leaving out special tokens (BOS, EOS, unknown, padding). Whitespace is
     * kept except the dummy-prefix space that SentencePiece drops.
     *
     * @throws IllegalArgumentException if an id is outside the vocabulary
     */
    String decode(int[] ids);

    /**
     * {@link #decode(int[])}, then optionally stripped of leading and trailing whitespace as Python's
     * {@code str.strip()} does (how the reference post-processes generated answers).
     */
    default String decode(int[] ids, boolean strip) {
        String text = decode(ids);
        return strip ? PyStrings.strip(text) : text;
    }

    /** Id of the beginning-of-sequence token, or -1. */
    int bosId();

    /** Id of the end-of-sequence token (generation stops on it), or -1. */
    int eosId();

    /** Id used for padding, or -1 if none is configured. */
    int padId();

    /** Number of token ids; every valid id is in {@code [0, vocabSize())}. */
    int vocabSize();

    /** Releases native resources, if any. */
    @Override
    default void close() {}

    /**
     * Loads the tokenizer of a checkpoint directory: {@code tokenizer.model} (SentencePiece, as the
     * reference uses it) if present, else {@code tokenizer.json} (Hugging Face tokenizers via DJL).
     *
     * @throws IOException if neither file exists or the chosen one cannot be read
     */
    static CumoTokenizer load(Path modelDir) throws IOException {
        if (Files.isRegularFile(modelDir.resolve(SENTENCEPIECE_FILE))) {
            return LlamaTokenizer.load(modelDir);
        }
        if (Files.isRegularFile(modelDir.resolve(HF_JSON_FILE))) {
            return HfJsonTokenizer.load(modelDir);
        }
        throw new IOException(
                "no tokenizer in "
                        + modelDir.toAbsolutePath()
                        + ": looked for "
                        + SENTENCEPIECE_FILE
                        + " and "
                        + HF_JSON_FILE);
    }

    /** Python's {@code prompt.split("<image>")}: keeps empty chunks at both ends. */
    private static List<String> splitOnImagePlaceholder(String prompt) {
        List<String> chunks = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = prompt.indexOf(IMAGE_PLACEHOLDER, from)) >= 0) {
            chunks.add(prompt.substring(from, at));
            from = at + IMAGE_PLACEHOLDER.length();
        }
        chunks.add(prompt.substring(from));
        return chunks;
    }
}

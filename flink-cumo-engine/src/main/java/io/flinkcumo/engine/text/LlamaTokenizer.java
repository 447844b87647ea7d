package io.flinkcumo.engine.text;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pure-Java equivalent of transformers' slow {@code LlamaTokenizer} with {@code legacy=true}
 * (version 4.37), the tokenizer CuMo was trained and evaluated with.
 *
 * <p>{@link #encode}: the text is split on the literal added tokens ({@code <s>}, {@code </s>},
 * {@code <unk>}, which become their ids); each remaining non-empty part is SentencePiece-encoded on
 * its own, so each gets its own dummy-prefix {@code ▁}; BOS is prepended (and EOS appended) as
 * {@code tokenizer_config.json} says.
 *
 * <p>{@link #decode} follows SentencePiece's decoder after dropping the special ids. It keeps a
 * leading space that SentencePiece keeps (ids {@code ▁ ▁ x} give {@code " x"}); transformers'
 * {@code decode} would drop it too, which makes no difference once the text is stripped.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class LlamaTokenizer implements CumoTokenizer {

    private final SentencePieceProcessor sp;
    private final TokenizerConfig config;
    private final SpecialTokenSplitter splitter;
    private final Set<Integer> specialIds;
    private final int bosId;
    private final int eosId;
    private final int padId;

    LlamaTokenizer(SentencePieceProcessor sp, TokenizerConfig config) {
        if (!config.legacy()) {
            throw new IllegalArgumentException(
                    "legacy=false is not supported: only the legacy LlamaTokenizer behaviour is implemented");
        }
        this.sp = sp;
        this.config = config;
        this.bosId = tokenId(config.bosToken());
        this.eosId = tokenId(config.eosToken());
        this.padId = tokenId(config.padToken());
        this.splitter = new SpecialTokenSplitter(addedTokens(sp.model(), config));
        this.specialIds = new HashSet<>();
        for (String s : config.specialTokens()) {
            int id = tokenId(s);
            if (id >= 0) {
                specialIds.add(id);
            }
        }
    }

    /**
     * Loads {@code tokenizer.model} from a checkpoint directory, with {@code tokenizer_config.json}
     * and {@code special_tokens_map.json} if present (else CuMo's settings: BOS on, EOS off, pad =
     * {@code <unk>}).
     *
     * @throws IOException if a file is missing or malformed, or describes an unsupported tokenizer
     */
    public static LlamaTokenizer load(Path modelDir) throws IOException {
        SentencePieceProcessor sp =
                SentencePieceProcessor.load(modelDir.resolve(CumoTokenizer.SENTENCEPIECE_FILE));
        TokenizerConfig config = TokenizerConfig.read(modelDir);
        try {
            return new LlamaTokenizer(sp, config);
        } catch (IllegalArgumentException e) {
            throw new IOException("unsupported tokenizer in " + modelDir + ": " + e.getMessage(), e);
        }
    }

    /** A tokenizer over a SentencePiece model with CuMo's default settings. */
    public static LlamaTokenizer of(SentencePieceModel model) {
        return new LlamaTokenizer(new SentencePieceProcessor(model), TokenizerConfig.DEFAULTS);
    }

    @Override
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        IntList out = new IntList(text.length() + 2);
        if (config.addBosToken() && bosId >= 0) {
            out.add(bosId);
        }
        for (SpecialTokenSplitter.Part part : splitter.split(text)) {
            if (part.isToken()) {
                out.add(part.token().id());
            } else {
                out.addAll(sp.encode(part.text()), 0);
            }
        }
        if (config.addEosToken() && eosId >= 0) {
            out.add(eosId);
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        IntList kept = new IntList(ids.length);
        for (int id : ids) {
            sp.model().checkId(id);
            if (!specialIds.contains(id)) {
                kept.add(id);
            }
        }
        return sp.decode(kept.toArray());
    }

    /** The SentencePiece piece of an id, e.g. {@code "▁the"}, {@code "<0x0A>"} or {@code "<s>"}. */
    public String pieceOf(int id) {
        return sp.model().pieceOf(id);
    }

    /** The id of an exact piece string, or -1 if it is not in the vocabulary. */
    public int idOf(String piece) {
        return sp.model().idOf(piece);
    }

    /** The pieces of a sequence of ids; {@code null} for {@link #IMAGE_TOKEN_INDEX}. */
    public String[] piecesOf(int[] ids) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i] == IMAGE_TOKEN_INDEX ? null : pieceOf(ids[i]);
        }
        return out;
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

    public int unkId() {
        return sp.model().unkId();
    }

    @Override
    public int vocabSize() {
        return sp.model().size();
    }

    /** The underlying SentencePiece processor. */
    public SentencePieceProcessor sentencePiece() {
        return sp;
    }

    private int tokenId(String token) {
        return token == null ? -1 : sp.model().idOf(token);
    }

    /**
     * The tokens the text is split on: {@code added_tokens_decoder} plus the special tokens. Each
     * must be the piece with the same id in {@code tokenizer.model}; tokens added beyond the
     * SentencePiece vocabulary are not supported.
     */
    private static List<TokenizerConfig.AddedToken> addedTokens(
            SentencePieceModel model, TokenizerConfig config) {
        Map<String, TokenizerConfig.AddedToken> tokens = new LinkedHashMap<>();
        for (TokenizerConfig.AddedToken t : config.addedTokens()) {
            int id = model.idOf(t.content());
            if (id != t.id()) {
                throw new IllegalArgumentException(
                        "added token '"
                                + t.content()
                                + "' has id "
                                + t.id()
                                + " but tokenizer.model has it at "
                                + id
                                + "; tokens added beyond the SentencePiece vocabulary are not supported");
            }
            if (t.singleWord()) {
                throw new IllegalArgumentException(
                        "added token '" + t.content() + "' uses single_word, which is not supported");
            }
            tokens.put(t.content(), t);
        }
        for (String s : config.specialTokens()) {
            if (tokens.containsKey(s)) {
                continue;
            }
            int id = model.idOf(s);
            if (id < 0) {
                throw new IllegalArgumentException("special token '" + s + "' is not in tokenizer.model");
            }
            tokens.put(s, new TokenizerConfig.AddedToken(id, s, false, false, false));
        }
        return List.copyOf(tokens.values());
    }
}

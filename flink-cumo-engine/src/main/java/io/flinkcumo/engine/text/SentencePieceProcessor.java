package io.flinkcumo.engine.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes text to ids and decodes ids to text exactly like SentencePiece's {@code
 * SentencePieceProcessor} does for a BPE model with identity normalisation.
 *
 * <p>{@link #encode} adds no BOS/EOS and knows nothing about special-token strings: {@code "<s>"}
 * in the text is just five characters here (see {@link LlamaTokenizer} for the Hugging Face
 * behaviour). Instances are immutable and thread-safe.
 */
public final class SentencePieceProcessor {

    private final SentencePieceModel model;
    private final SentencePieceNormalizer normalizer;
    private final BpeSegmenter segmenter;

    public SentencePieceProcessor(SentencePieceModel model) {
        this.model = model;
        this.normalizer = new SentencePieceNormalizer(model.normalizer());
        this.segmenter = new BpeSegmenter(model);
    }

    /** Loads a {@code tokenizer.model} file. */
    public static SentencePieceProcessor load(Path tokenizerModel) throws IOException {
        return new SentencePieceProcessor(SentencePieceModel.load(tokenizerModel));
    }

    public SentencePieceModel model() {
        return model;
    }

    /**
     * Encodes text: normalisation (dummy prefix, spaces to {@code ▁}), BPE, then byte fallback for
     * pieces outside the vocabulary (or a single unknown id for a run of them without byte fallback).
     */
    public int[] encode(String text) {
        String normalized = normalizer.normalize(text);
        if (normalized.isEmpty()) {
            return new int[0];
        }
        List<BpeSegmenter.Segment> segments = segmenter.segment(normalized);
        IntList out = new IntList(segments.size() + 8);
        boolean previousUnknown = false;
        for (BpeSegmenter.Segment s : segments) {
            boolean unknown = s.id() == model.unkId();
            if (unknown && model.byteFallback()) {
                for (byte b : s.piece().getBytes(StandardCharsets.UTF_8)) {
                    out.add(model.byteId(b));
                }
            } else if (!(unknown && previousUnknown)) {
                out.add(s.id());
            }
            previousUnknown = unknown;
        }
        return out.toArray();
    }

    /** The pieces of {@link #encode}, e.g. {@code ["▁H", "el", "<0x0A>"]}. */
    public String[] encodeAsPieces(String text) {
        return Arrays.stream(encode(text)).mapToObj(model::pieceOf).toArray(String[]::new);
    }

    /**
     * Decodes ids like SentencePiece: control pieces are invisible, an unknown piece prints {@link
     * SentencePieceModel#unkSurface()}, {@code ▁} becomes a space, runs of byte pieces are joined and
     * decoded as UTF-8 (each byte that is not part of a valid character becomes U+FFFD), and the
     * dummy-prefix space of the first piece is dropped.
     *
     * @throws IllegalArgumentException if an id is outside the vocabulary
     */
    public String decode(int[] ids) {
        StringBuilder text = new StringBuilder();
        byte[] pendingBytes = new byte[ids.length];
        int pendingCount = 0;
        boolean expectBosSpace = true;
        boolean bosSpaceSeen = false;
        for (int id : ids) {
            model.checkId(id);
            int byteValue = model.byteValue(id);
            if (byteValue >= 0) {
                pendingBytes[pendingCount++] = (byte) byteValue;
                continue;
            }
            Utf8.decodeInto(pendingBytes, pendingCount, text);
            pendingCount = 0;
            if (bosSpaceSeen || text.length() > 0) {
                expectBosSpace = false;
            }
            bosSpaceSeen = appendPiece(id, expectBosSpace, text);
        }
        Utf8.decodeInto(pendingBytes, pendingCount, text);
        return text.toString();
    }

    /**
     * Appends the surface of a non-byte piece; returns whether it consumed the dummy-prefix space.
     */
    private boolean appendPiece(int id, boolean expectBosSpace, StringBuilder text) {
        SentencePieceModel.PieceType type = model.typeOf(id);
        if (type == SentencePieceModel.PieceType.CONTROL) {
            return false;
        }
        if (type == SentencePieceModel.PieceType.UNKNOWN) {
            text.append(model.unkSurface());
            return false;
        }
        String piece = model.pieceOf(id);
        SentencePieceModel.NormalizerSpec spec = model.normalizer();
        boolean consumed = false;
        if (expectBosSpace
                && (spec.addDummyPrefix() || spec.removeExtraWhitespaces())
                && piece.startsWith(SentencePieceModel.SPACE_SYMBOL)) {
            piece = piece.substring(SentencePieceModel.SPACE_SYMBOL.length());
            // with remove_extra_whitespaces every leading space goes, so keep expecting one
            consumed = !spec.removeExtraWhitespaces();
        }
        text.append(piece.replace(SentencePieceModel.SPACE_SYMBOL, " "));
        return consumed;
    }
}

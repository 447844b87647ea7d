package io.flinkcumo.engine.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The vocabulary and settings of a SentencePiece {@code tokenizer.model} (a serialised {@code
 * ModelProto}), parsed by hand.
 *
 * <p>Only what encoding and decoding need is kept: the pieces with score and type, the model type,
 * byte fallback, the special pieces and the normaliser flags. Models this code cannot reproduce
 * faithfully are refused when loading rather than mis-tokenised later: any model type other than
 * BPE, a non-empty {@code precompiled_charsmap} (NFKC-style normalisation rules), a denormaliser,
 * and {@code treat_whitespace_as_suffix}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class SentencePieceModel {

    /** Type of a piece ({@code ModelProto.SentencePiece.Type}). */
    public enum PieceType {
        NORMAL(1),
        UNKNOWN(2),
        CONTROL(3),
        USER_DEFINED(4),
        UNUSED(5),
        BYTE(6);

        private final int code;

        PieceType(int code) {
            this.code = code;
        }

        /** The protobuf enum value. */
        public int code() {
            return code;
        }

        static PieceType fromCode(int code) {
            for (PieceType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown piece type " + code);
        }
    }

    /** Segmentation algorithm ({@code TrainerSpec.ModelType}). */
    public enum ModelType {
        UNIGRAM(1),
        BPE(2),
        WORD(3),
        CHAR(4);

        private final int code;

        ModelType(int code) {
            this.code = code;
        }

        static ModelType fromCode(int code) {
            for (ModelType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown model_type " + code);
        }
    }

    /** One vocabulary entry. */
    public record Piece(String text, float score, PieceType type) {}

    /** The normaliser flags ({@code NormalizerSpec}) that matter for an identity normaliser. */
    public record NormalizerSpec(
            String name,
            boolean addDummyPrefix,
            boolean removeExtraWhitespaces,
            boolean escapeWhitespaces) {}

    /** SentencePiece's meta symbol for a space, U+2581. */
    public static final String SPACE_SYMBOL = "\u2581";

    private static final String DEFAULT_UNK_SURFACE = " \u2047 ";

    private final List<Piece> pieces;
    private final ModelType modelType;
    private final boolean byteFallback;
    private final NormalizerSpec normalizer;
    private final String unkSurface;

    /** NORMAL, USER_DEFINED and UNUSED pieces: the possible results of a merge. */
    private final Map<String, Integer> mergeable;

    /** UNKNOWN, CONTROL and BYTE pieces. */
    private final Map<String, Integer> reserved;

    private final List<String> userDefined;
    private final int[] byteToId;
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final int padId;

    private SentencePieceModel(RawModel raw) {
        this.pieces = List.copyOf(raw.pieces);
        this.modelType = raw.modelType;
        this.byteFallback = raw.byteFallback;
        this.normalizer = raw.normalizer();
        this.unkSurface = raw.unkSurface;
        this.mergeable = new HashMap<>();
        this.reserved = new HashMap<>();
        List<String> userDefinedPieces = new ArrayList<>();
        this.byteToId = new int[256];
        Arrays.fill(byteToId, -1);
        int unk = -1;
        for (int id = 0; id < pieces.size(); id++) {
            Piece p = pieces.get(id);
            if (p.text().isEmpty()) {
                throw new IllegalArgumentException("piece " + id + " is empty");
            }
            boolean normalLike =
                    p.type() == PieceType.NORMAL
                            || p.type() == PieceType.USER_DEFINED
                            || p.type() == PieceType.UNUSED;
            Map<String, Integer> target = normalLike ? mergeable : reserved;
            if (target.putIfAbsent(p.text(), id) != null) {
                throw new IllegalArgumentException("piece '" + p.text() + "' is defined twice");
            }
            switch (p.type()) {
                case USER_DEFINED -> userDefinedPieces.add(p.text());
                case UNKNOWN -> {
                    if (unk >= 0) {
                        throw new IllegalArgumentException(
                                "more than one UNKNOWN piece (" + unk + ", " + id + ")");
                    }
                    unk = id;
                }
                case BYTE -> registerBytePiece(p.text(), id);
                default -> {}
            }
        }
        if (unk < 0) {
            throw new IllegalArgumentException("no UNKNOWN piece is defined");
        }
        if (byteFallback) {
            for (int b = 0; b < 256; b++) {
                if (byteToId[b] < 0) {
                    throw new IllegalArgumentException(
                            "byte_fallback is on but the byte piece " + bytePiece(b) + " is missing");
                }
            }
        }
        this.userDefined = Collections.unmodifiableList(userDefinedPieces);
        this.unkId = unk;
        this.bosId = specialId(raw.bosPiece, PieceType.CONTROL);
        this.eosId = specialId(raw.eosPiece, PieceType.CONTROL);
        this.padId = specialId(raw.padPiece, PieceType.CONTROL);
    }

    private void registerBytePiece(String text, int id) {
        if (!byteFallback) {
            throw new IllegalArgumentException(
                    "byte piece " + text + " found although byte_fallback is false");
        }
        int b = parseBytePiece(text);
        if (b < 0) {
            throw new IllegalArgumentException("invalid byte piece '" + text + "' at id " + id);
        }
        byteToId[b] = id;
    }

    private int specialId(String piece, PieceType expected) {
        Integer id = reserved.get(piece);
        return id != null && pieces.get(id).type() == expected ? id : -1;
    }

    /** Loads and validates a {@code tokenizer.model} file. */
    public static SentencePieceModel load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot read SentencePiece model " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a serialised {@code ModelProto}.
     *
     * @throws IllegalArgumentException if the bytes are malformed or describe an unsupported model
     */
    public static SentencePieceModel parse(byte[] bytes) {
        RawModel raw = new RawModel();
        ProtoReader reader = new ProtoReader(bytes);
        while (reader.hasMore()) {
            switch (reader.readTag()) {
                case 1 -> raw.pieces.add(readPiece(reader.readMessage()));
                case 2 -> raw.readTrainerSpec(reader.readMessage());
                case 3 -> raw.readNormalizerSpec(reader.readMessage());
                case 5 -> raw.readDenormalizerSpec(reader.readMessage());
                default -> reader.skip();
            }
        }
        raw.validate();
        return new SentencePieceModel(raw);
    }

    private static Piece readPiece(ProtoReader r) {
        String text = "";
        float score = 0f;
        int type = PieceType.NORMAL.code();
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> text = r.readString();
                case 2 -> score = r.readFloat();
                case 3 -> type = r.readInt32();
                default -> r.skip();
            }
        }
        return new Piece(text, score, PieceType.fromCode(type));
    }

    /** Number of pieces (the vocabulary size). */
    public int size() {
        return pieces.size();
    }

    /** The piece with this id. */
    public Piece piece(int id) {
        checkId(id);
        return pieces.get(id);
    }

    /** The piece string of this id, e.g. {@code "▁the"} or {@code "<0x0A>"}. */
    public String pieceOf(int id) {
        return piece(id).text();
    }

    /** The id of this exact piece string, or -1 if it is not in the vocabulary. */
    public int idOf(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) {
            id = mergeable.get(piece);
        }
        return id == null ? -1 : id;
    }

    public ModelType modelType() {
        return modelType;
    }

    public boolean byteFallback() {
        return byteFallback;
    }

    public NormalizerSpec normalizer() {
        return normalizer;
    }

    /** The text SentencePiece prints for an unknown piece when decoding (default {@code " ⁇ "}). */
    public String unkSurface() {
        return unkSurface;
    }

    /** The USER_DEFINED pieces, which are never split or merged. */
    public List<String> userDefinedSymbols() {
        return userDefined;
    }

    public int unkId() {
        return unkId;
    }

    /** Id of {@code <s>} (or the model's bos piece), -1 if the model has none. */
    public int bosId() {
        return bosId;
    }

    /** Id of {@code </s>} (or the model's eos piece), -1 if the model has none. */
    public int eosId() {
        return eosId;
    }

    /** Id of the model's pad piece, -1 if the model has none (the usual case). */
    public int padId() {
        return padId;
    }

    /** Id of a NORMAL, USER_DEFINED or UNUSED piece, or -1: what a BPE merge may produce. */
    int mergeTargetId(String piece) {
        Integer id = mergeable.get(piece);
        return id == null ? -1 : id;
    }

    /** SentencePiece's {@code PieceToId}: reserved pieces first, then the others, else unk. */
    int idOrUnk(String piece) {
        int id = idOf(piece);
        return id < 0 ? unkId : id;
    }

    /** Id of the byte piece {@code <0xXX>} for a byte value 0..255. */
    int byteId(int value) {
        return byteToId[value & 0xFF];
    }

    /** The byte value of a BYTE piece, or -1 if the id is not a byte piece. */
    int byteValue(int id) {
        Piece p = pieces.get(id);
        return p.type() == PieceType.BYTE ? parseBytePiece(p.text()) : -1;
    }

    PieceType typeOf(int id) {
        return pieces.get(id).type();
    }

    float scoreOf(int id) {
        return pieces.get(id).score();
    }

    void checkId(int id) {
        if (id < 0 || id >= pieces.size()) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary [0, " + pieces.size() + ")");
        }
    }

    static String bytePiece(int b) {
        return String.format(Locale.ROOT, "<0x%02X>", b);
    }

    /** Parses {@code <0xXX>} (upper-case hex, as SentencePiece writes it); -1 otherwise. */
    static int parseBytePiece(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        int b = hi * 16 + lo;
        return bytePiece(b).equals(text) ? b : -1;
    }

    /** Field values as read from the wire, before validation. */
    private static final class RawModel {
        final List<Piece> pieces = new ArrayList<>();
        ModelType modelType = ModelType.UNIGRAM;
        boolean byteFallback;
        boolean treatWhitespaceAsSuffix;
        String unkSurface = DEFAULT_UNK_SURFACE;
        String bosPiece = "<s>";
        String eosPiece = "</s>";
        String padPiece = "<pad>";
        String normalizerName = "";
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        int charsmapLength;
        int denormalizerCharsmapLength;

        void readTrainerSpec(ProtoReader r) {
            while (r.hasMore()) {
                switch (r.readTag()) {
                    case 3 -> modelType = ModelType.fromCode(r.readInt32());
                    case 24 -> treatWhitespaceAsSuffix = r.readBool();
                    case 35 -> byteFallback = r.readBool();
                    case 44 -> unkSurface = r.readString();
                    case 46 -> bosPiece = r.readString();
                    case 47 -> eosPiece = r.readString();
                    case 48 -> padPiece = r.readString();
                    default -> r.skip();
                }
            }
        }

        void readNormalizerSpec(ProtoReader r) {
            while (r.hasMore()) {
                switch (r.readTag()) {
                    case 1 -> normalizerName = r.readString();
                    case 2 -> charsmapLength = r.readBytes().length;
                    case 3 -> addDummyPrefix = r.readBool();
                    case 4 -> removeExtraWhitespaces = r.readBool();
                    case 5 -> escapeWhitespaces = r.readBool();
                    default -> r.skip();
                }
            }
        }

        void readDenormalizerSpec(ProtoReader r) {
            while (r.hasMore()) {
                if (r.readTag() == 2) {
                    denormalizerCharsmapLength = r.readBytes().length;
                } else {
                    r.skip();
                }
            }
        }

        NormalizerSpec normalizer() {
            return new NormalizerSpec(
                    normalizerName, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
        }

        void validate() {
            if (pieces.isEmpty()) {
                throw new IllegalArgumentException("the model contains no pieces");
            }
            if (modelType != ModelType.BPE) {
                throw new IllegalArgumentException(
                        "unsupported model_type "
                                + modelType
                                + ": only BPE SentencePiece models are supported");
            }
            if (charsmapLength > 0) {
                throw new IllegalArgumentException(
                        "unsupported normaliser '"
                                + normalizerName
                                + "' with a precompiled_charsmap of "
                                + charsmapLength
                                + " bytes: only identity normalisation is supported");
            }
            if (denormalizerCharsmapLength > 0) {
                throw new IllegalArgumentException(
                        "unsupported denormalizer_spec with a precompiled_charsmap");
            }
            if (treatWhitespaceAsSuffix) {
                throw new IllegalArgumentException("unsupported treat_whitespace_as_suffix=true");
            }
        }
    }
}

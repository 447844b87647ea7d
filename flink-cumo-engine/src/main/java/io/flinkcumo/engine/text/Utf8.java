package io.flinkcumo.engine.text;

/**
 * Strict UTF-8 decoding as SentencePiece does it for byte pieces: a well-formed character (no
 * overlong forms, no surrogates, at most U+10FFFF) is decoded; every byte that does not start one
 * becomes a U+FFFD on its own.
 */
final class Utf8 {

    private Utf8() {}

    /** Appends the decoding of {@code bytes[0..length)} to {@code out}. */
    static void decodeInto(byte[] bytes, int length, StringBuilder out) {
        int pos = 0;
        while (pos < length) {
            int consumed = validSequenceLength(bytes, pos, length);
            if (consumed == 0) {
                out.append('\uFFFD');
                pos++;
            } else {
                out.appendCodePoint(codePoint(bytes, pos, consumed));
                pos += consumed;
            }
        }
    }

    /** Length of the well-formed UTF-8 character at {@code pos}, or 0 if there is none. */
    private static int validSequenceLength(byte[] b, int pos, int limit) {
        int b0 = b[pos] & 0xFF;
        int available = limit - pos;
        if (b0 < 0x80) {
            return 1;
        }
        if ((b0 & 0xE0) == 0xC0 && available >= 2 && isTrail(b[pos + 1])) {
            return codePoint(b, pos, 2) >= 0x80 ? 2 : 0;
        }
        if ((b0 & 0xF0) == 0xE0 && available >= 3 && isTrail(b[pos + 1]) && isTrail(b[pos + 2])) {
            int cp = codePoint(b, pos, 3);
            return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? 3 : 0;
        }
        if ((b0 & 0xF8) == 0xF0
                && available >= 4
                && isTrail(b[pos + 1])
                && isTrail(b[pos + 2])
                && isTrail(b[pos + 3])) {
            int cp = codePoint(b, pos, 4);
            return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
        }
        return 0;
    }

    private static int codePoint(byte[] b, int pos, int length) {
        int lead = b[pos] & 0xFF;
        int cp =
                switch (length) {
                    case 1 -> lead;
                    case 2 -> lead & 0x1F;
                    case 3 -> lead & 0x0F;
                    default -> lead & 0x07;
                };
        for (int i = 1; i < length; i++) {
            cp = (cp << 6) | (b[pos + i] & 0x3F);
        }
        return cp;
    }

    private static boolean isTrail(byte b) {
        return (b & 0xC0) == 0x80;
    }
}

package io.flinkcumo.engine.text;

/**
 * SentencePiece's normaliser for models with identity normalisation (no character map): the dummy
 * prefix, optional removal of extra spaces, and escaping of {@code ' '} as {@code ▁} (U+2581).
 *
 * <p>Only U+0020 counts as a space, as in SentencePiece; tabs and newlines are kept as they are.
 * Unpaired UTF-16 surrogates, which have no UTF-8 form, become U+FFFD.
 */
final class SentencePieceNormalizer {

    private final SentencePieceModel.NormalizerSpec spec;

    SentencePieceNormalizer(SentencePieceModel.NormalizerSpec spec) {
        this.spec = spec;
    }

    String normalize(String input) {
        String text = replaceLoneSurrogates(input);
        boolean removeExtra = spec.removeExtraWhitespaces();
        int i = 0;
        if (removeExtra) {
            while (i < text.length() && text.charAt(i) == ' ') {
                i++;
            }
        }
        if (i == text.length()) {
            return "";
        }
        String space = spec.escapeWhitespaces() ? SentencePieceModel.SPACE_SYMBOL : " ";
        StringBuilder out = new StringBuilder(text.length() + 8);
        if (spec.addDummyPrefix()) {
            out.append(space);
        }
        boolean previousWasSpace = removeExtra;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                if (!previousWasSpace) {
                    out.append(space);
                }
                previousWasSpace = removeExtra;
            } else {
                out.append(c);
                previousWasSpace = false;
            }
        }
        if (removeExtra) {
            while (out.length() >= space.length()
                    && out.lastIndexOf(space) == out.length() - space.length()) {
                out.setLength(out.length() - space.length());
            }
        }
        return out.toString();
    }

    static String replaceLoneSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired =
                    Character.isHighSurrogate(c)
                            && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(s.length()).append(s, 0, i);
                }
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}

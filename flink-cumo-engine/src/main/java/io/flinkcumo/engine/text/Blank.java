package io.flinkcumo.engine.text;

/**
 * Whether a text says nothing: {@link String#isBlank()} knows only the characters Java calls
 * whitespace, so a question of no-break spaces (U+00A0), ideographic spaces (U+3000), zero-width
 * spaces (U+200B) or byte order marks (U+FEFF) would pass as a question. Here a text is blank when
 * every code point is whitespace, a space separator (Unicode Zs/Zl/Zp), a format character (Cf:
 * zero-width space and joiners, BOM, soft hyphen, bidi marks) or a control character.
 */
public final class Blank {

    private Blank() {}

    /** True for null, empty and texts made only of invisible characters (see the class comment). */
    public static boolean isBlank(CharSequence text) {
        if (text == null) {
            return true;
        }
        return text.codePoints().allMatch(Blank::isInvisible);
    }

    /** Whitespace, a Unicode space or separator, a format or a control character. */
    public static boolean isInvisible(int codePoint) {
        if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
            return true;
        }
        int type = Character.getType(codePoint);
        return type == Character.FORMAT || type == Character.CONTROL
                || codePoint == 0x180E // Mongolian vowel separator (was Zs)
                || codePoint == 0x2800 // braille blank
                || codePoint == 0x3164 || codePoint == 0xFFA0 || codePoint == 0x115F || codePoint == 0x1160; // Hangul fillers
    }
}

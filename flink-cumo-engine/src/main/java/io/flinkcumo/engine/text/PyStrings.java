package io.flinkcumo.engine.text;

/**
 * Python's {@code str.strip}, {@code lstrip} and {@code rstrip} without arguments: they remove the
 * characters for which {@code str.isspace()} is true. That set is Java's {@link
 * Character#isWhitespace(int)} plus U+0085, U+00A0, U+2007 and U+202F.
 */
final class PyStrings {

    private PyStrings() {}

    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
    }

    static String strip(String s) {
        return rstrip(lstrip(s));
    }

    static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(0, end);
    }
}

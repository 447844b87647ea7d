package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Python list literal of strings, such as MMMU's {@code options} column ({@code ['a',
 * "b's"]}): single- or double-quoted strings with backslash escapes, separated by commas, an
 * optional trailing comma; numbers are taken as their text.
 */
final class PythonList {

    private final String text;
    private final String what;
    private int at;

    private PythonList(String text, String what) {
        this.text = text;
        this.what = what;
    }

    /**
     * The strings of the list.
     *
     * @param what names the value in the error
     * @throws IllegalArgumentException if {@code text} is not such a list
     */
    static List<String> parse(String text, String what) {
        return new PythonList(text, what).list();
    }

    private List<String> list() {
        skipSpace();
        expect('[');
        List<String> out = new ArrayList<>();
        skipSpace();
        while (peek() != ']') {
            out.add(element());
            skipSpace();
            if (peek() == ',') {
                at++;
                skipSpace();
            } else if (peek() != ']') {
                throw error("',' or ']' expected");
            }
        }
        at++;
        skipSpace();
        if (at != text.length()) {
            throw error("text after the list");
        }
        return out;
    }

    private String element() {
        char c = peek();
        if (c == '\'' || c == '"') {
            return string(c);
        }
        int start = at;
        while (at < text.length() && ",]".indexOf(text.charAt(at)) < 0) {
            at++;
        }
        String bare = text.substring(start, at).strip();
        if (bare.isEmpty() || !bare.matches("[+-]?[0-9][0-9_.eE+-]*")) {
            throw error("a quoted string expected");
        }
        return bare;
    }

    private String string(char quote) {
        at++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == quote) {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(at++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> { }
                case 'x' -> sb.append((char) hex(2));
                case 'u' -> sb.append((char) hex(4));
                case 'U' -> sb.appendCodePoint(hex(8));
                default -> sb.append('\\').append(e);
            }
        }
    }

    private int hex(int digits) {
        if (at + digits > text.length()) {
            throw error("truncated escape");
        }
        try {
            int v = Integer.parseUnsignedInt(text.substring(at, at + digits), 16);
            at += digits;
            return v;
        } catch (NumberFormatException e) {
            throw error("bad escape");
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(at);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("'" + c + "' expected");
        }
        at++;
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private IllegalArgumentException error(String problem) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return new IllegalArgumentException(what + " is not a Python list of strings (" + problem + " at " + at + "): " + shown);
    }
}

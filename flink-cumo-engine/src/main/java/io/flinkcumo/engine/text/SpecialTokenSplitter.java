package io.flinkcumo.engine.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text on the literal strings of added tokens ({@code <s>}, {@code </s>}, {@code <unk>},
 * ...) like transformers' slow tokenizer: leftmost match first, the longest token when several
 * start at the same place; a token with {@code lstrip}/{@code rstrip} removes the whitespace of the
 * text before/after it; empty text parts are dropped.
 */
final class SpecialTokenSplitter {

    /** Either a text part ({@code token == null}) or an added token. */
    record Part(String text, TokenizerConfig.AddedToken token) {
        boolean isToken() {
            return token != null;
        }
    }

    private final Map<Character, List<TokenizerConfig.AddedToken>> byFirstChar = new HashMap<>();

    SpecialTokenSplitter(Collection<TokenizerConfig.AddedToken> tokens) {
        for (TokenizerConfig.AddedToken t : tokens) {
            byFirstChar.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
        }
    }

    List<Part> split(String text) {
        List<Part> parts = new ArrayList<>();
        int textStart = 0;
        int i = 0;
        while (i < text.length()) {
            TokenizerConfig.AddedToken match = longestMatchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            parts.add(new Part(text.substring(textStart, i), null));
            parts.add(new Part(match.content(), match));
            i += match.content().length();
            textStart = i;
        }
        parts.add(new Part(text.substring(textStart), null));
        applyStrips(parts);
        parts.removeIf(p -> !p.isToken() && p.text().isEmpty());
        return parts;
    }

    private TokenizerConfig.AddedToken longestMatchAt(String text, int pos) {
        List<TokenizerConfig.AddedToken> candidates = byFirstChar.get(text.charAt(pos));
        if (candidates == null) {
            return null;
        }
        TokenizerConfig.AddedToken best = null;
        for (TokenizerConfig.AddedToken t : candidates) {
            boolean longer = best == null || t.content().length() > best.content().length();
            if (longer && text.startsWith(t.content(), pos)) {
                best = t;
            }
        }
        return best;
    }

    /** Text parts alternate with token parts: part 2k is text, part 2k+1 a token. */
    private static void applyStrips(List<Part> parts) {
        for (int k = 1; k < parts.size(); k += 2) {
            TokenizerConfig.AddedToken token = parts.get(k).token();
            if (token.rstrip()) {
                parts.set(k + 1, new Part(PyStrings.lstrip(parts.get(k + 1).text()), null));
            }
            if (token.lstrip()) {
                parts.set(k - 1, new Part(PyStrings.rstrip(parts.get(k - 1).text()), null));
            }
        }
    }
}

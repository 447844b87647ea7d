package io.flinkcumo.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answer normalisation of the VQA evaluation ({@code vqaEval.py}) and of EvalAI's answer
 * processor ({@code m4c_evaluator.EvalAIAnswerProcessor}, which LLaVA's and CuMo's VQAv2 submission
 * converter and TextVQA evaluator use), rule for rule:
 *
 * <ol>
 *   <li>{@link #wordTokenize}: lowercase, drop {@code ,} and {@code ?}, {@code 's} becomes {@code " 's"}, strip;
 *   <li>newlines and tabs become spaces, strip;
 *   <li>{@link #processPunctuation}: each of {@code ; / [ ] " { } ( ) = + \ _ - > < @ ` , ? !} is
 *       removed when the text has it next to a space or has a digit-comma-digit anywhere, else
 *       replaced by a space; then periods not followed by a digit are removed — at most 32 of them,
 *       because the original passes {@code re.UNICODE} (= 32) as {@code re.sub}'s count argument;
 *   <li>{@link #processDigitArticle}: lowercase, split on whitespace, number words {@code none, zero..ten}
 *       become digits, the articles {@code a an the} are dropped, contractions written without the
 *       apostrophe get it back ({@code dont -> don't}), words joined by single spaces.
 * </ol>
 */
public final class EvalAiAnswerProcessor {

    /** The punctuation marks, in the order the original applies them. */
    static final List<String> PUNCTUATION =
            List.of(";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!");

    static final Map<String, String> NUMBER_WORDS = Map.ofEntries(
            Map.entry("none", "0"), Map.entry("zero", "0"), Map.entry("one", "1"), Map.entry("two", "2"),
            Map.entry("three", "3"), Map.entry("four", "4"), Map.entry("five", "5"), Map.entry("six", "6"),
            Map.entry("seven", "7"), Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"));

    static final Set<String> ARTICLES = Set.of("a", "an", "the");

    /** The contraction table (resource {@code vqa-contractions.tsv}). */
    static final Map<String, String> CONTRACTIONS = loadContractions();

    private static final Pattern COMMA_BETWEEN_DIGITS = Pattern.compile("(\\d)(,)(\\d)");
    /** The original's {@code (?!<=\d)(\.)(?!\d)}: its first group is a (always true) lookahead, so a period not before a digit. */
    private static final Pattern PERIOD = Pattern.compile("\\.(?!\\d)");
    /** {@code re.UNICODE}, passed where {@code re.sub} takes its count. */
    static final int PERIOD_STRIP_LIMIT = 32;
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private EvalAiAnswerProcessor() {}

    /** The whole processor ({@code EvalAIAnswerProcessor.__call__}). */
    public static String process(String answer) {
        String item = wordTokenize(answer);
        item = item.replace('\n', ' ').replace('\t', ' ').strip();
        item = processPunctuation(item);
        return processDigitArticle(item);
    }

    /** Lowercase, no {@code ,} or {@code ?}, {@code 's} split off, stripped. */
    static String wordTokenize(String word) {
        return word.toLowerCase(Locale.ROOT).replace(",", "").replace("?", "").replace("'s", " 's").strip();
    }

    /** The punctuation rule (see the class comment). */
    public static String processPunctuation(String in) {
        String out = in;
        boolean digitComma = COMMA_BETWEEN_DIGITS.matcher(in).find();
        for (String p : PUNCTUATION) {
            if (in.contains(p + " ") || in.contains(" " + p) || digitComma) {
                out = out.replace(p, "");
            } else {
                out = out.replace(p, " ");
            }
        }
        Matcher m = PERIOD.matcher(out);
        StringBuilder sb = new StringBuilder();
        int removed = 0;
        while (removed < PERIOD_STRIP_LIMIT && m.find()) {
            m.appendReplacement(sb, "");
            removed++;
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Number words to digits, no articles, contractions (see the class comment). */
    public static String processDigitArticle(String in) {
        List<String> out = new ArrayList<>();
        String lower = in.toLowerCase(Locale.ROOT).strip();
        if (!lower.isEmpty()) {
            for (String word : WHITESPACE.split(lower)) {
                String w = NUMBER_WORDS.getOrDefault(word, word);
                if (!ARTICLES.contains(w)) {
                    out.add(w);
                }
            }
        }
        out.replaceAll(w -> CONTRACTIONS.getOrDefault(w, w));
        return String.join(" ", out);
    }

    private static Map<String, String> loadContractions() {
        Map<String, String> table = new HashMap<>();
        try (InputStream in = EvalAiAnswerProcessor.class.getResourceAsStream("vqa-contractions.tsv")) {
            if (in == null) {
                throw new IllegalStateException("resource vqa-contractions.tsv is missing");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                table.put(line.substring(0, tab), line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(table);
    }
}

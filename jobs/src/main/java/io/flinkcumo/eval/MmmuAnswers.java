package io.flinkcumo.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MMMU's answer parsing and judging, as its official {@code eval/eval_utils.py} does it (the rules
 * in Java, with Python's string and number semantics where they matter).
 *
 * <ul>
 *   <li>Multiple choice ({@link #parseMultiChoice}): the response with each of {@code , . ! ? ; :
 *       '} stripped from both ends in turn and padded with a space; candidates are the letters
 *       written {@code (X)}; else those written {@code " X "}; else, when the response has more
 *       than 5 words, the options whose text occurs in it (case-insensitive). Several candidates:
 *       the one whose last occurrence is latest (the first on a tie). None: the official script
 *       picks a random letter ({@code random.choice}); here the pick is deterministic, the letter
 *       at {@code floorMod(id.hashCode(), letters)} (Java's specified {@code String.hashCode}), so
 *       reruns and {@code cumo score} agree, and it is counted as {@code guessed}.
 *   <li>Open ({@link #parseOpen}): the lowercased response split into lines; per line the
 *       shortest tail after one of the indicators ({@code could be}, {@code so}, {@code is},
 *       {@code thus}, {@code therefore}, {@code final}, {@code answer}, {@code result}, and
 *       {@code =} on the last line), or the whole response when no line has one; plus every number
 *       in them (with thousands commas, scientific, simple); each normalised ({@link #normalize}).
 *   <li>Judging ({@link #evalOpen}): right when a text prediction contains a normalised gold
 *       text, or a number prediction equals a normalised gold number.
 * </ul>
 */
public final class MmmuAnswers {

    private static final String STRIPPED = ",.!?;:'";
    private static final List<String> INDICATORS = List.of(
            "could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ");
    private static final Set<String> TRIVIAL = Set.of(":", ",", ".", "!", "?", ";", "'");
    private static final Pattern SUB_RESPONSES = Pattern.compile("\\.\\s(?=[A-Z])|\\n", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern NUMBER_COMMAS = Pattern.compile("-?\\b\\d{1,3}(?:,\\d{3})+\\b", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern NUMBER_SCIENTIFIC = Pattern.compile("-?\\d+(?:\\.\\d+)?[eE][+-]?\\d+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern NUMBER_SIMPLE = Pattern.compile(
            "-?(?:\\d+\\.\\d+|\\.\\d+|\\d+\\b)(?![eE][+-]?\\d+)(?![,\\d])", Pattern.UNICODE_CHARACTER_CLASS);
    /** What Python's {@code float()} accepts (after stripping whitespace). */
    private static final Pattern PYTHON_FLOAT = Pattern.compile(
            "[+-]?(?:(?:\\d(?:_?\\d)*)(?:\\.(?:\\d(?:_?\\d)*)?)?|\\.\\d(?:_?\\d)*)(?:[eE][+-]?\\d(?:_?\\d)*)?",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PYTHON_SPECIAL = Pattern.compile("([+-]?)(inf|infinity|nan)", Pattern.CASE_INSENSITIVE);

    private MmmuAnswers() {}

    /** A parsed multiple-choice answer: the letter, and whether it was guessed because none was found. */
    public record Choice(String letter, boolean guessed) {}

    /**
     * The letter a response picks.
     *
     * @param letters the options' letters, A, B, ...
     * @param index2ans each letter's option text
     * @param id the question's id, seeding the pick when no letter is found
     */
    public static Choice parseMultiChoice(String response, List<String> letters, Map<String, String> index2ans, String id) {
        for (char c : STRIPPED.toCharArray()) {
            response = strip(response, c);
        }
        response = " " + response + " ";
        boolean indexAnswer = true;
        boolean bracketed = false;
        List<String> candidates = new ArrayList<>();
        for (String letter : letters) {
            if (response.contains("(" + letter + ")")) {
                candidates.add(letter);
                bracketed = true;
            }
        }
        if (candidates.isEmpty()) {
            for (String letter : letters) {
                if (response.contains(" " + letter + " ")) {
                    candidates.add(letter);
                }
            }
        }
        String lower = response.toLowerCase(Locale.ROOT);
        if (candidates.isEmpty() && words(response) > 5) {
            for (String letter : letters) {
                String ans = index2ans.get(letter);
                if (ans != null && lower.contains(ans.toLowerCase(Locale.ROOT))) {
                    candidates.add(letter);
                    indexAnswer = false;
                }
            }
        }
        if (candidates.isEmpty()) {
            return new Choice(letters.get(Math.floorMod(id.hashCode(), letters.size())), true);
        }
        String best = candidates.get(0);
        int bestAt = Integer.MIN_VALUE;
        for (String c : candidates) {
            int at = !indexAnswer ? lower.lastIndexOf(index2ans.get(c).toLowerCase(Locale.ROOT))
                    : bracketed ? response.lastIndexOf("(" + c + ")") : response.lastIndexOf(" " + c + " ");
            if (at > bestAt) {
                best = c;
                bestAt = at;
            }
        }
        return new Choice(best, false);
    }

    /** The predictions an open response gives: texts ({@code String}) and numbers ({@code Double}), without repeats. */
    public static Set<Object> parseOpen(String response) {
        List<String> keys = keySubResponses(response);
        List<String> predictions = new ArrayList<>(keys);
        for (String key : keys) {
            predictions.addAll(extractNumbers(key));
        }
        Set<Object> out = new LinkedHashSet<>();
        for (String p : predictions) {
            out.addAll(normalize(p));
        }
        return out;
    }

    private static List<String> keySubResponses(String response) {
        String text = strip(response.strip(), '.').toLowerCase(Locale.ROOT);
        String[] lines = SUB_RESPONSES.split(text, -1);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            List<String> indicators = new ArrayList<>(INDICATORS);
            if (i == lines.length - 1) {
                indicators.add("=");
            }
            String shortest = null;
            for (String indicator : indicators) {
                int at = lines[i].lastIndexOf(indicator);
                if (at >= 0) {
                    String tail = lines[i].substring(at + indicator.length()).strip();
                    // Python: "not shortest" is also true for an empty string
                    if (shortest == null || shortest.isEmpty() || tail.length() < shortest.length()) {
                        shortest = tail;
                    }
                }
            }
            if (shortest != null && !shortest.isEmpty() && !TRIVIAL.contains(shortest.strip())) {
                keys.add(shortest);
            }
        }
        return keys.isEmpty() ? List.of(text) : keys;
    }

    /** Every number in {@code text}: with thousands commas, then scientific, then simple ones. */
    public static List<String> extractNumbers(String text) {
        List<String> out = new ArrayList<>();
        for (Pattern p : List.of(NUMBER_COMMAS, NUMBER_SCIENTIFIC, NUMBER_SIMPLE)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                out.add(m.group());
            }
        }
        return out;
    }

    /**
     * MMMU's {@code normalize_str}: a number (commas removed) rounded to 2 decimals as Python's
     * {@code round} does; else the text lowercased, and a single character as {@code " c"} and
     * {@code "c "} (so that it only matches as a word).
     */
    public static List<Object> normalize(String text) {
        text = text.strip();
        Double number = pythonFloat(text.replace(",", ""));
        if (number != null) {
            return List.of(round2(number));
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.codePointCount(0, lower.length()) == 1) {
            return List.of(" " + lower, lower + " ");
        }
        return List.of(lower);
    }

    /** MMMU's {@code eval_open}: whether any prediction matches any normalised gold answer. */
    public static boolean evalOpen(List<String> gold, Set<Object> predictions) {
        List<Object> norm = new ArrayList<>();
        gold.forEach(g -> norm.addAll(normalize(g)));
        for (Object p : predictions) {
            if (p instanceof String s) {
                for (Object g : norm) {
                    if (g instanceof String t && s.contains(t)) {
                        return true;
                    }
                }
            } else {
                double d = (Double) p;
                for (Object g : norm) {
                    if (g instanceof Double e && e == d) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Python's {@code float(text)}, or null where it raises {@code ValueError}. */
    static Double pythonFloat(String text) {
        String t = text.strip();
        Matcher special = PYTHON_SPECIAL.matcher(t);
        if (special.matches()) {
            boolean negative = special.group(1).equals("-");
            return special.group(2).equalsIgnoreCase("nan") ? Double.NaN
                    : negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (!PYTHON_FLOAT.matcher(t).matches()) {
            return null;
        }
        StringBuilder ascii = new StringBuilder(t.length());
        t.codePoints().forEach(c -> {
            if (c == '_') {
                return;
            }
            ascii.append(Character.isDigit(c) ? (char) ('0' + Character.digit(c, 10)) : (char) c);
        });
        return Double.parseDouble(ascii.toString());
    }

    /** Python's {@code round(x, 2)}: the exact binary value rounded half to even; -0.0 is 0.0. */
    static double round2(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return x;
        }
        return new BigDecimal(x).setScale(2, RoundingMode.HALF_EVEN).doubleValue() + 0.0;
    }

    /** Python's {@code s.strip(c)}. */
    static String strip(String s, char c) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == c) {
            from++;
        }
        while (to > from && s.charAt(to - 1) == c) {
            to--;
        }
        return s.substring(from, to);
    }

    /** {@code len(s.split())}. */
    private static int words(String s) {
        String t = s.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }
}

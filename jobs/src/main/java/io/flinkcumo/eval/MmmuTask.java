package io.flinkcumo.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MMMU validation (lmms-lab/MMMU or MMMU/MMMU {@code validation}: {@code id} such as {@code
 * validation_Art_Theory_12}, {@code question} with {@code <image 1>} placeholders, {@code options}
 * a Python list literal as text, {@code answer}, {@code question_type} {@code multiple-choice} or
 * {@code open}, {@code image_1}..{@code image_7} image structs, {@code subfield}, ...).
 *
 * <p>Prompts as MMMU's official LLaVA-1.5 script ({@code eval/configs/llava1.5.yaml}), which LLaVA
 * derivatives run with the {@code mistral_instruct} template: multiple choice is the question, a
 * newline, {@code (A) option\n} per option, a newline and the option-letter suffix; open is the
 * question, a newline and the short-answer suffix. The {@code <image i>} placeholders stay in the
 * text. The images shown are those the question and options refer to, {@code image_i} in order of
 * {@code i} (as lmms-eval's MMMU task does: CuMo takes several images, where the official LLaVA-1.5
 * script shows {@code image_1} only); a question that refers to none shows {@code image_1}.
 *
 * <p>Scored by {@link MmmuAnswers} (MMMU's {@code eval_utils.py}); an answer that is itself a
 * list literal ({@code ['24', '24.0']}) is the list of right answers, as in the official
 * {@code answer_dict_val.json}. Accuracy over all questions (MMMU's micro average), per subject
 * (the {@code id}'s middle part), per discipline (MMMU's six, over their subjects' questions) and per
 * question type; {@code guessed} counts multiple-choice answers where no letter was found.
 */
public final class MmmuTask implements BenchTask {

    public static final String MULTIPLE_CHOICE = "multiple-choice";
    /** MMMU's six disciplines and their subjects (the official {@code DOMAIN_CAT2SUB_CAT}). */
    static final Map<String, List<String>> DOMAINS = domains();
    private static final Pattern PLACEHOLDER = Pattern.compile("<image (\\d+)>");

    @Override
    public String name() {
        return "mmmu";
    }

    @Override
    public List<BenchItem> items(Map<String, Object> row, long position) {
        String id = RowValues.requiredText(row, "id");
        String question = RowValues.requiredText(row, "question");
        String type = RowValues.optionalText(row, "question_type");
        type = type == null ? MULTIPLE_CHOICE : type.strip();
        String answer = RowValues.requiredText(row, "answer");
        StringBuilder prompt = new StringBuilder(question).append('\n');
        List<String> options = List.of();
        if (type.equals(MULTIPLE_CHOICE)) {
            options = options(RowValues.required(row, "options"), id);
            if (options.isEmpty() || options.size() > 26) {
                throw new IllegalArgumentException("MMMU question " + id + " is multiple-choice with " + options.size() + " options");
            }
            for (int i = 0; i < options.size(); i++) {
                prompt.append('(').append((char) ('A' + i)).append(") ").append(options.get(i)).append('\n');
            }
            prompt.append('\n').append(OPTION_LETTER);
        } else {
            prompt.append(SHORT_ANSWER);
        }
        String text = prompt.toString();
        TreeSet<Integer> referenced = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            referenced.add(Integer.parseInt(m.group(1)));
        }
        List<String> images = new ArrayList<>();
        for (int i : referenced.isEmpty() ? List.of(1) : referenced) {
            images.add("image_" + i);
        }
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put(IMAGES, String.join(",", images));
        detail.put("question_type", type);
        String subfield = RowValues.optionalText(row, "subfield");
        if (subfield != null) {
            detail.put("subfield", subfield);
        }
        List<String> gold = answer.strip().startsWith("[") ? PythonList.parse(answer, "answer of " + id) : List.of(answer);
        return List.of(new BenchItem(id, RowValues.ids("question_id", id), text, subject(id), answer, gold, options, null,
                detail));
    }

    private static Map<String, List<String>> domains() {
        Map<String, List<String>> d = new LinkedHashMap<>();
        d.put("Art and Design", List.of("Art", "Art_Theory", "Design", "Music"));
        d.put("Business", List.of("Accounting", "Economics", "Finance", "Manage", "Marketing"));
        d.put("Science", List.of("Biology", "Chemistry", "Geography", "Math", "Physics"));
        d.put("Health and Medicine", List.of("Basic_Medical_Science", "Clinical_Medicine",
                "Diagnostics_and_Laboratory_Medicine", "Pharmacy", "Public_Health"));
        d.put("Humanities and Social Science", List.of("History", "Literature", "Sociology", "Psychology"));
        d.put("Tech and Engineering", List.of("Agriculture", "Architecture_and_Engineering", "Computer_Science",
                "Electronics", "Energy_and_Power", "Materials", "Mechanical_Engineering"));
        return java.util.Collections.unmodifiableMap(d);
    }

    /** The discipline of a subject, or null for a subject MMMU does not list. */
    static String domain(String subject) {
        for (Map.Entry<String, List<String>> e : DOMAINS.entrySet()) {
            if (e.getValue().contains(subject)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The options: a list column, or the text of a Python list literal. */
    static List<String> options(Object value, String id) {
        if (value instanceof List<?>) {
            return RowValues.texts(value, "options", null);
        }
        return PythonList.parse(RowValues.text(value), "options of " + id);
    }

    /** MMMU's subject of an id: {@code validation_Art_Theory_12} is {@code Art_Theory}. */
    static String subject(String id) {
        String[] parts = id.split("_");
        return parts.length < 3 ? "all" : String.join("_", List.of(parts).subList(1, parts.length - 1));
    }

    @Override
    public boolean multiImage() {
        return true;
    }

    @Override
    public TaskScore score(List<BenchItem> items, Map<String, String> predictions) {
        Map<String, Double> perItem = new HashMap<>();
        Tally byType = new Tally();
        Tally byDomain = new Tally();
        long guessed = 0;
        for (BenchItem item : items) {
            String p = predictions.get(item.key());
            boolean right = false;
            String type = item.detail().get("question_type");
            if (p != null && MULTIPLE_CHOICE.equals(type)) {
                List<String> letters = new ArrayList<>();
                Map<String, String> index2ans = new HashMap<>();
                for (int i = 0; i < item.options().size(); i++) {
                    String letter = String.valueOf((char) ('A' + i));
                    letters.add(letter);
                    index2ans.put(letter, item.options().get(i));
                }
                MmmuAnswers.Choice choice = MmmuAnswers.parseMultiChoice(p, letters, index2ans, item.key());
                guessed += choice.guessed() ? 1 : 0;
                right = item.answers().contains(choice.letter());
            } else if (p != null) {
                right = MmmuAnswers.evalOpen(item.answers(), MmmuAnswers.parseOpen(p));
            }
            perItem.put(item.key(), right ? 1.0 : 0.0);
            byType.add(type, right);
            String domain = domain(item.category());
            if (domain != null) {
                byDomain.add(domain, right);
            }
        }
        Map<String, Object> m = ShortAnswers.meanMetrics(name(), items, predictions, perItem);
        m.put("question_types", byType.percentages());
        m.put("domains", byDomain.percentages());
        m.put("guessed", guessed);
        return new TaskScore(m, perItem);
    }

    @Override
    public String headline() {
        return "accuracy";
    }

    @Override
    public double[] paper() {
        return new double[] {39.1, 45.0};
    }
}

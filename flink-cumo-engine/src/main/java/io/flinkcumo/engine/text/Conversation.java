package io.flinkcumo.engine.text;

import java.util.ArrayList;
import java.util.List;

/**
 * A conversation rendered with CuMo's Llama-2-style prompt template ({@code
 * mistral_instruct_system}, or {@code mistral_instruct} without a system prompt).
 *
 * <p>The prompt is built exactly as CuMo's {@code conversation.py} does:
 *
 * <ul>
 *   <li>first user turn: {@code <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{message} [/INST]} (the
 *       {@code <<SYS>>} block only when the system prompt is not empty);
 *   <li>an answered assistant turn: {@code " " + answer + " </s>"};
 *   <li>a later user turn: {@code [INST] {message} [/INST]};
 *   <li>the pending assistant turn (the one to generate): nothing, so the prompt ends with {@code
 *       [/INST]}.
 * </ul>
 *
 * <p>Image placeholders are part of the user text: {@link #singleTurn(String, int)} prefixes {@code
 * <image>\n} once per image. Store answers without their EOS; the template adds {@code </s>}.
 * Instances are immutable.
 */
public final class Conversation {

    /** CuMo's system prompt (template {@code mistral_instruct_system}). */
    public static final String DEFAULT_SYSTEM_PROMPT =
            "A chat between a curious user and an artificial intelligence assistant. The assistant gives"
                    + " helpful, detailed, and polite answers to the user's questions.";

    /** The prompt templates CuMo uses. */
    public enum Template {
        /** CuMo's default, used for training and evaluation. */
        MISTRAL_INSTRUCT_SYSTEM("mistral_instruct_system", DEFAULT_SYSTEM_PROMPT),
        /** The same format without a system prompt. */
        MISTRAL_INSTRUCT("mistral_instruct", "");

        private final String templateName;
        private final String systemPrompt;

        Template(String templateName, String systemPrompt) {
            this.templateName = templateName;
            this.systemPrompt = systemPrompt;
        }

        /** The name used by CuMo's {@code --conv-mode}. */
        public String templateName() {
            return templateName;
        }

        public String systemPrompt() {
            return systemPrompt;
        }

        /** The template with this {@code --conv-mode} name. */
        public static Template byName(String name) {
            for (Template t : values()) {
                if (t.templateName.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "unknown prompt template '"
                            + name
                            + "'; known: mistral_instruct_system, mistral_instruct");
        }
    }

    /**
     * One exchange: the user's message and the assistant's answer, or {@code null} for the answer
     * still to be generated.
     */
    public record Turn(String user, String assistant) {}

    private final Template template;
    private final List<Turn> turns;

    private Conversation(Template template, List<Turn> turns) {
        if (template == null) {
            throw new IllegalArgumentException("template must not be null");
        }
        if (turns == null || turns.isEmpty()) {
            throw new IllegalArgumentException("a conversation needs at least one turn");
        }
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            if (t == null || t.user() == null) {
                throw new IllegalArgumentException("the user message of turn " + i + " must not be null");
            }
            if (i == 0 && t.user().isEmpty()) {
                throw new IllegalArgumentException("the first user message must not be empty");
            }
            if (t.assistant() == null && i < turns.size() - 1) {
                throw new IllegalArgumentException(
                        "turn " + i + " has no answer; only the last turn may be pending");
            }
        }
        this.template = template;
        this.turns = List.copyOf(turns);
    }

    /** A conversation with these turns; only the last answer may be {@code null} (pending). */
    public static Conversation of(Template template, List<Turn> turns) {
        return new Conversation(template, turns);
    }

    /**
     * One question about {@code numImages} images, with the default template: the question is
     * prefixed with {@code <image>\n} once per image and the answer is pending.
     */
    public static Conversation singleTurn(String question, int numImages) {
        return singleTurn(Template.MISTRAL_INSTRUCT_SYSTEM, question, numImages);
    }

    /** {@link #singleTurn(String, int)} with another template. */
    public static Conversation singleTurn(Template template, String question, int numImages) {
        return new Conversation(
                template, List.of(new Turn(withImagePlaceholders(question, numImages), null)));
    }

    /** {@code "<image>\n"} repeated {@code numImages} times, then the question. */
    public static String withImagePlaceholders(String question, int numImages) {
        if (question == null) {
            throw new IllegalArgumentException("question must not be null");
        }
        if (numImages < 0) {
            throw new IllegalArgumentException("numImages must be >= 0, was " + numImages);
        }
        return (CumoTokenizer.IMAGE_PLACEHOLDER + "\n").repeat(numImages) + question;
    }

    /** This conversation with the pending answer filled in. */
    public Conversation withAnswer(String answer) {
        if (answer == null) {
            throw new IllegalArgumentException("answer must not be null");
        }
        Turn last = turns.get(turns.size() - 1);
        if (last.assistant() != null) {
            throw new IllegalStateException("the last turn is already answered");
        }
        List<Turn> next = new ArrayList<>(turns.subList(0, turns.size() - 1));
        next.add(new Turn(last.user(), answer));
        return new Conversation(template, next);
    }

    /** This conversation with a new user message whose answer is pending. */
    public Conversation withQuestion(String question) {
        if (question == null) {
            throw new IllegalArgumentException("question must not be null");
        }
        if (turns.get(turns.size() - 1).assistant() == null) {
            throw new IllegalStateException("the last turn has not been answered yet");
        }
        List<Turn> next = new ArrayList<>(turns);
        next.add(new Turn(question, null));
        return new Conversation(template, next);
    }

    public Template template() {
        return template;
    }

    public List<Turn> turns() {
        return turns;
    }

    /** Number of {@code <image>} placeholders in the prompt, i.e. how many images it needs. */
    public int imageCount() {
        String prompt = prompt();
        int count = 0;
        for (int at = prompt.indexOf(CumoTokenizer.IMAGE_PLACEHOLDER);
                at >= 0;
                at = prompt.indexOf(CumoTokenizer.IMAGE_PLACEHOLDER, at + 1)) {
            count++;
        }
        return count;
    }

    /** The prompt string to tokenise with {@link CumoTokenizer#encodeImagePrompt}. */
    public String prompt() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < turns.size(); i++) {
            Turn turn = turns.get(i);
            String message = turn.user();
            if (i == 0) {
                out.append("<s>").append(instruction(systemBlock() + message));
            } else if (!message.isEmpty()) {
                out.append(instruction(message));
            }
            String answer = turn.assistant();
            if (answer != null && !answer.isEmpty()) {
                out.append(' ').append(answer).append(" </s>");
            }
        }
        return out.toString();
    }

    private String systemBlock() {
        String system = template.systemPrompt();
        return system.isEmpty() ? "" : "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
    }

    private static String instruction(String message) {
        return "[INST] " + message + " [/INST]";
    }

    @Override
    public String toString() {
        return "Conversation[" + template.templateName() + ", " + turns.size() + " turns]";
    }
}

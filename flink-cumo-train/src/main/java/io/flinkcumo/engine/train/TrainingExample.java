package io.flinkcumo.engine.train;

import io.flinkcumo.engine.text.Conversation;
import io.flinkcumo.engine.text.CumoTokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * One tokenised training sequence: input ids (with −200 for the image) and labels (−100 where
 * not supervised), built with the masking of CuMo's templates:
 *
 * <ul>
 *   <li>{@code plain} (stage 1): {@code <image>} + caption + {@code \n}; BOS and the image are
 *       masked, the caption and the newline supervised;</li>
 *   <li>{@code mistral_instruct_system} (stages 2 and 3): position 0 and every round's
 *       {@code [INST] … [/INST] } part are masked; each answer and its {@code </s>} supervised.</li>
 * </ul>
 */
public record TrainingExample(int image, int[] ids, int[] labels) {

    /** Label of positions that are not supervised. */
    public static final int IGNORE_INDEX = -100;

    /** Stage 1: the {@code plain} template. */
    public static TrainingExample plain(int image, String caption, CumoTokenizer tokenizer) {
        int[] ids = tokenizer.encodeImagePrompt(CumoTokenizer.IMAGE_PLACEHOLDER + caption + "\n");
        int[] labels = ids.clone();
        for (int i = 0; i < ids.length; i++) {
            if (i == 0 || ids[i] == CumoTokenizer.IMAGE_TOKEN_INDEX) {
                labels[i] = IGNORE_INDEX;
            }
        }
        return new TrainingExample(image, ids, labels);
    }

    /** Stages 2/3: a conversation of (question, answer) rounds about one image. */
    public static TrainingExample conversation(int image, List<String[]> rounds, CumoTokenizer tokenizer) {
        Conversation conv = null;
        int[] labelsSoFar = new int[0];
        int[] idsSoFar = new int[0];
        for (String[] qa : rounds) {
            conv = conv == null ? Conversation.singleTurn(qa[0], 1) : conv.withQuestion(qa[0]);
            int[] prompt = tokenizer.encodeImagePrompt(conv.prompt());
            conv = conv.withAnswer(qa[1]);
            int[] full = tokenizer.encodeImagePrompt(conv.prompt());
            int promptLen = commonPrefix(prompt, full);
            int[] labels = Arrays.copyOf(labelsSoFar, full.length);
            Arrays.fill(labels, labelsSoFar.length, full.length, IGNORE_INDEX);
            for (int i = Math.max(promptLen, idsSoFar.length); i < full.length; i++) {
                labels[i] = full[i];
            }
            if (commonPrefix(idsSoFar, full) != idsSoFar.length) {
                throw new IllegalStateException("tokenisation of a longer conversation does not extend the shorter one");
            }
            idsSoFar = full;
            labelsSoFar = labels;
        }
        labelsSoFar[0] = IGNORE_INDEX;
        return new TrainingExample(image, idsSoFar, labelsSoFar);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /** Number of supervised positions. */
    public int supervised() {
        int n = 0;
        for (int l : labels) {
            if (l != IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }
}

package io.flinkcumo.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinkcumo.engine.ModelInput;

import java.util.Arrays;
import java.util.List;

/**
 * LLaVA's splice ({@code prepare_inputs_labels_for_multimodal}): each prompt's text embeddings
 * with every image placeholder ({@link ModelInput#IMAGE_TOKEN_INDEX}) replaced by that image's P
 * projected rows, right-padded into one [B, L, H] batch by a single gather over the table
 * [text embeddings; image rows; one zero row for padding]. Images are taken in placeholder order
 * across the batch.
 */
public final class Splice {

    private final int rows;
    private final int[] lengths;
    private final int maxLength;
    private final long[] textIds;
    private final long[] gather; // [B · L]: index into the table; image rows offset by the text count
    private final int[] source; // [B · L]: index into the row's ids, −1 for image rows and padding
    private final int imageRows;

    /**
     * Splices {@code ids} (per row; the first {@code from} ids of each row are skipped, as a
     * cached prefix) with {@code imageTokens} rows per placeholder.
     */
    public Splice(List<int[]> ids, int from, int imageTokens) {
        rows = ids.size();
        lengths = new int[rows];
        int texts = 0;
        int images = 0;
        for (int r = 0; r < rows; r++) {
            int[] row = ids.get(r);
            for (int k = from; k < row.length; k++) {
                if (row[k] == ModelInput.IMAGE_TOKEN_INDEX) {
                    lengths[r] += imageTokens;
                    images++;
                } else {
                    lengths[r]++;
                    texts++;
                }
            }
        }
        maxLength = Arrays.stream(lengths).max().orElse(0);
        imageRows = images * imageTokens;
        textIds = new long[texts];
        gather = new long[rows * maxLength];
        source = new int[rows * maxLength];
        Arrays.fill(gather, texts + imageRows); // the zero row
        Arrays.fill(source, -1);
        int text = 0;
        int image = 0;
        for (int r = 0; r < rows; r++) {
            int pos = r * maxLength;
            int[] row = ids.get(r);
            for (int k = from; k < row.length; k++) {
                if (row[k] == ModelInput.IMAGE_TOKEN_INDEX) {
                    for (int i = 0; i < imageTokens; i++) {
                        gather[pos++] = texts + image++;
                    }
                } else {
                    source[pos] = k;
                    textIds[text] = row[k];
                    gather[pos++] = text++;
                }
            }
        }
    }

    /** Spliced length of each row. */
    public int[] lengths() {
        return lengths.clone();
    }

    /** L: the longest row. */
    public int maxLength() {
        return maxLength;
    }

    /** Image rows the placeholders take, N_img · P. */
    public int imageRows() {
        return imageRows;
    }

    /** The index in row {@code row}'s ids that spliced position {@code pos} holds; −1 for an image row or padding. */
    public int sourceOf(int row, int pos) {
        return source[row * maxLength + pos];
    }

    /**
     * The spliced batch [B, L, H]: text ids embedded by {@code llm}, image rows from
     * {@code images} [N_img·P, H] (null without images), padding zeros of {@code type}.
     */
    public NDArray embed(NDManager scope, LanguageModel llm, NDArray images, DataType type) {
        long given = images == null ? 0 : images.getShape().get(0);
        if (given != imageRows) {
            throw new IllegalArgumentException("the prompts hold " + imageRows + " image rows but " + given + " were given");
        }
        int h = llm.hiddenSize();
        NDList table = new NDList();
        if (textIds.length > 0) {
            table.add(llm.embed(scope.create(textIds))); // [T, H]
        }
        if (images != null) {
            table.add(images); // [N_img·P, H]
        }
        table.add(scope.zeros(new Shape(1, h), type));
        return NDArrays.concat(table, 0).get(scope.create(gather)).reshape(rows, maxLength, h);
    }
}

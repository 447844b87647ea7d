package io.flinkcumo.udf;

import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.ErrorHandling;
import io.flinkcumo.runtime.core.ImageRef;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

/**
 * The INPUT and OUTPUT columns of a {@code CREATE MODEL ... WITH ('provider' = 'cumo')}, checked
 * once when the model is used, and the conversions between Flink's internal rows and CuMo calls.
 *
 * <p>INPUT: {@code (image)} to caption with {@code caption-prompt}, or {@code (image, question)};
 * the image is {@code BYTES} or {@code ROW<bytes BYTES, path STRING>}, the question a string.
 *
 * <p>OUTPUT: any of the columns of {@link OutputColumn}, by name and in any order; {@code answer}
 * is required, and {@code error-handling = error-column} requires {@code error}.
 */
final class CumoModelSchema implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The output columns a CuMo model can fill. */
    enum OutputColumn {
        /** The generated answer: STRING. */
        ANSWER("answer STRING"),
        /** Why the request failed, under error-handling = error-column: STRING. */
        ERROR("error STRING"),
        /** Generated tokens without the final EOS: INT. */
        TOKENS("tokens INT"),
        /** Milliseconds from the call to the answer: BIGINT. */
        LATENCY_MS("latency_ms BIGINT"),
        /** The per-component routing summary as text: STRING. */
        ROUTING("routing STRING");

        final String declaration;

        OutputColumn(String declaration) {
            this.declaration = declaration;
        }

        String columnName() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean accepts(LogicalType type) {
            return switch (this) {
                case ANSWER, ERROR, ROUTING -> type.is(LogicalTypeFamily.CHARACTER_STRING);
                case TOKENS -> type.is(LogicalTypeRoot.INTEGER);
                case LATENCY_MS -> type.is(LogicalTypeRoot.BIGINT);
            };
        }

        Object value(CumoReply reply) {
            return switch (this) {
                case ANSWER -> string(reply.answer());
                case ERROR -> string(reply.error());
                case TOKENS -> reply.generatedTokens();
                case LATENCY_MS -> reply.latencyOrNull();
                case ROUTING -> reply.routing() == null ? null : string(reply.routingSummary().toString());
            };
        }

        static String supported() {
            return Arrays.stream(values()).map(c -> c.declaration).collect(Collectors.joining(", "));
        }
    }

    private final boolean imageIsStruct;
    private final boolean hasQuestion;
    private final OutputColumn[] outputs;

    private CumoModelSchema(boolean imageIsStruct, boolean hasQuestion, OutputColumn[] outputs) {
        this.imageIsStruct = imageIsStruct;
        this.hasQuestion = hasQuestion;
        this.outputs = outputs;
    }

    /**
     * Checks a model's columns.
     *
     * @param model names the model in error messages
     * @throws IllegalArgumentException describing what is wrong and what is accepted
     */
    static CumoModelSchema of(String model, ResolvedSchema input, ResolvedSchema output, ErrorHandling errorHandling) {
        List<Column> inputs = input.getColumns();
        if (inputs.isEmpty() || inputs.size() > 2) {
            throw invalid(model, "INPUT must be (image) or (image, question), got " + describe(inputs));
        }
        boolean imageIsStruct = imageKind(model, inputs.get(0));
        if (inputs.size() == 2 && !inputs.get(1).getDataType().getLogicalType().is(LogicalTypeFamily.CHARACTER_STRING)) {
            throw invalid(model, "the question column '" + inputs.get(1).getName() + "' must be a STRING, got "
                    + inputs.get(1).getDataType());
        }
        List<OutputColumn> outputs = new ArrayList<>();
        for (Column column : output.getColumns()) {
            OutputColumn kind = Arrays.stream(OutputColumn.values())
                    .filter(c -> c.columnName().equalsIgnoreCase(column.getName()))
                    .findFirst()
                    .orElseThrow(() -> invalid(model, "unknown OUTPUT column '" + column.getName()
                            + "'; a CuMo model fills " + OutputColumn.supported()));
            if (!kind.accepts(column.getDataType().getLogicalType())) {
                throw invalid(model, "OUTPUT column '" + column.getName() + "' must be declared as "
                        + kind.declaration + ", got " + column.getDataType());
            }
            if (outputs.contains(kind)) {
                throw invalid(model, "OUTPUT column '" + column.getName() + "' is declared twice");
            }
            outputs.add(kind);
        }
        if (!outputs.contains(OutputColumn.ANSWER)) {
            throw invalid(model, "OUTPUT needs an 'answer STRING' column, got " + describe(output.getColumns()));
        }
        if (errorHandling == ErrorHandling.ERROR_COLUMN && !outputs.contains(OutputColumn.ERROR)) {
            throw invalid(model, "error-handling 'error-column' needs an OUTPUT column 'error STRING'");
        }
        return new CumoModelSchema(imageIsStruct, inputs.size() == 2, outputs.toArray(OutputColumn[]::new));
    }

    private static boolean imageKind(String model, Column column) {
        LogicalType type = column.getDataType().getLogicalType();
        if (type.is(LogicalTypeFamily.BINARY_STRING)) {
            return false;
        }
        if (type instanceof RowType row && row.getFieldCount() == 2
                && row.getFieldNames().get(0).equalsIgnoreCase("bytes")
                && row.getTypeAt(0).is(LogicalTypeFamily.BINARY_STRING)
                && row.getFieldNames().get(1).equalsIgnoreCase("path")
                && row.getTypeAt(1).is(LogicalTypeFamily.CHARACTER_STRING)) {
            return true;
        }
        throw invalid(model, "the image column '" + column.getName() + "' must be BYTES or " + SqlImages.HF_IMAGE
                + ", got " + column.getDataType());
    }

    /** Whether the model takes a question, or captions with {@code caption-prompt}. */
    boolean hasQuestion() {
        return hasQuestion;
    }

    /** The image of an input row (the columns named in ML_PREDICT's DESCRIPTOR, in order). */
    ImageRef image(RowData input) {
        if (input.isNullAt(0)) {
            return new ImageRef(null, null);
        }
        if (!imageIsStruct) {
            return ImageRef.ofBytes(input.getBinary(0));
        }
        RowData struct = input.getRow(0, 2);
        return new ImageRef(
                struct.isNullAt(0) ? null : struct.getBinary(0),
                struct.isNullAt(1) ? null : struct.getString(1).toString());
    }

    /** The question of an input row; only when {@link #hasQuestion()}. */
    String question(RowData input) {
        return input.isNullAt(1) ? null : input.getString(1).toString();
    }

    /** The output row: the declared OUTPUT columns, in their order. */
    RowData output(CumoReply reply) {
        GenericRowData row = new GenericRowData(outputs.length);
        for (int i = 0; i < outputs.length; i++) {
            row.setField(i, outputs[i].value(reply));
        }
        return row;
    }

    private static StringData string(String value) {
        return value == null ? null : StringData.fromString(value);
    }

    private static String describe(List<Column> columns) {
        return columns.stream().map(c -> c.getName() + " " + c.getDataType()).collect(Collectors.joining(", ", "(", ")"));
    }

    private static IllegalArgumentException invalid(String model, String problem) {
        return new IllegalArgumentException("CuMo model " + model + ": " + problem);
    }
}

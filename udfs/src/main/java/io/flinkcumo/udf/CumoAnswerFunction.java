package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.types.Row;

/**
 * {@code cumo_answer(image, question) -> STRING}: CuMo's answer to a question about an image, in
 * batch and streaming jobs.
 *
 * <p>The image is {@code BYTES} (PNG, JPEG, GIF, BMP, WebP) or the Hugging Face image struct {@code
 * ROW<bytes BYTES, path STRING>} (a row with only a path is read from the file). NULL in gives NULL
 * out. The call blocks its subtask, but the requests of all subtasks in a TaskManager meet in one
 * shared micro-batcher, so a parallelism of N forms batches of up to N. For streaming jobs, {@link
 * CumoAnswerAsyncFunction} keeps several requests per subtask in flight.
 *
 * <p>On failure, {@code error-handling} decides: {@code fail} fails the job with a message naming
 * the row; {@code null} and {@code error-column} return NULL (the error text needs a column: use
 * {@link CumoAnswerDetailsFunction} or ML_PREDICT).
 *
 * <p>Register with {@code LOAD MODULE cumo WITH (...)}, or {@code CREATE FUNCTION cumo_answer AS
 * 'io.flinkcumo.udf.CumoAnswerFunction'} with the options as {@code SET 'cumo.<option>'} or job
 * parameters (see {@link FunctionOptions}).
 */
public class CumoAnswerFunction extends ModelScalarFunction {

    private static final long serialVersionUID = 1L;

    /** The name the module registers. */
    public static final String NAME = "cumo_answer";

    /** For {@code CREATE FUNCTION}: options come from the configuration or the job parameters. */
    public CumoAnswerFunction() {
        this(FunctionOptions.none());
    }

    /** With explicit options, as the module creates it. */
    public CumoAnswerFunction(Map<String, String> options) {
        this(FunctionOptions.of(options));
    }

    CumoAnswerFunction(FunctionOptions options) {
        super(NAME, options);
    }

    @Override
    CumoAnswerFunction withOptions(FunctionOptions options) {
        return new CumoAnswerFunction(options);
    }

    public String eval(byte[] image, String question) {
        return CumoClient.await(client().ask(SqlImages.of(image), question)).answer();
    }

    public String eval(@DataTypeHint(SqlImages.HF_IMAGE) Row image, String question) {
        return CumoClient.await(client().ask(SqlImages.of(image), question)).answer();
    }
}

package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.types.Row;

/**
 * {@code cumo_caption(image) -> STRING}: {@link CumoAnswerFunction cumo_answer} with the {@code
 * caption-prompt} question (default "Describe the image in one sentence.").
 */
public class CumoCaptionFunction extends ModelScalarFunction {

    private static final long serialVersionUID = 1L;

    /** The name the module registers. */
    public static final String NAME = "cumo_caption";

    /** For {@code CREATE FUNCTION}: options come from the configuration or the job parameters. */
    public CumoCaptionFunction() {
        this(FunctionOptions.none());
    }

    /** With explicit options, as the module creates it. */
    public CumoCaptionFunction(Map<String, String> options) {
        this(FunctionOptions.of(options));
    }

    CumoCaptionFunction(FunctionOptions options) {
        super(NAME, options);
    }

    @Override
    CumoCaptionFunction withOptions(FunctionOptions options) {
        return new CumoCaptionFunction(options);
    }

    public String eval(byte[] image) {
        return CumoClient.await(client().caption(SqlImages.of(image))).answer();
    }

    public String eval(@DataTypeHint(SqlImages.HF_IMAGE) Row image) {
        return CumoClient.await(client().caption(SqlImages.of(image))).answer();
    }
}

package io.flinkcumo.udf;

import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;
import org.apache.flink.types.Row;

/**
 * {@code cumo_caption(image) -> STRING}: {@link CumoAnswerFunction cumo_answer} with the {@code
 * caption-prompt} question (default "Describe the image in one sentence.").
 */
public class CumoCaptionFunction extends ScalarFunction implements SpecializedFunction {

    private static final long serialVersionUID = 1L;

    /** The name the module registers. */
    public static final String NAME = "cumo_caption";

    private final FunctionSupport support;

    /** For {@code CREATE FUNCTION}: options come from the configuration or the job parameters. */
    public CumoCaptionFunction() {
        this(FunctionOptions.none());
    }

    /** With explicit options, as the module creates it. */
    public CumoCaptionFunction(Map<String, String> options) {
        this(FunctionOptions.of(options));
    }

    CumoCaptionFunction(FunctionOptions options) {
        this.support = new FunctionSupport(NAME, options);
    }

    public String eval(byte[] image) {
        return support.await(support.caption(SqlImages.of(image))).answer();
    }

    public String eval(@DataTypeHint(SqlImages.HF_IMAGE) Row image) {
        return support.await(support.caption(SqlImages.of(image))).answer();
    }

    @Override
    public UserDefinedFunction specialize(SpecializedContext context) {
        return new CumoCaptionFunction(support.options().withTableConfig(context.getConfiguration()));
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        support.open(context);
    }

    @Override
    public void close() {
        support.close();
    }

    @Override
    public boolean supportsConstantFolding() {
        return false;
    }
}

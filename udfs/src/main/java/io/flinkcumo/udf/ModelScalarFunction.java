package io.flinkcumo.udf;

import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;

/**
 * What the synchronous, model-calling SQL functions share: one {@link FunctionSupport} (options,
 * the shared model client, error handling), specialisation with the table configuration, the
 * client's life cycle, and no constant folding.
 */
abstract class ModelScalarFunction extends ScalarFunction implements SpecializedFunction {

    private static final long serialVersionUID = 1L;

    protected final FunctionSupport support;

    ModelScalarFunction(String name, FunctionOptions options) {
        this.support = new FunctionSupport(name, options);
    }

    /** The same function with {@code options}. */
    abstract ModelScalarFunction withOptions(FunctionOptions options);

    @Override
    public UserDefinedFunction specialize(SpecializedContext context) {
        return withOptions(support.specialized(context.getConfiguration()));
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        support.open(context);
    }

    @Override
    public void close() {
        support.close();
    }

    /** Never evaluated while planning: that would load the model in the client. */
    @Override
    public boolean supportsConstantFolding() {
        return false;
    }
}

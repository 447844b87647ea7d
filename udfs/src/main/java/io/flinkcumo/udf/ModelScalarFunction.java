package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoClientHolder;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;

/**
 * What the synchronous, model-calling SQL functions share: their options, specialisation with the
 * table configuration, the shared model client opened and closed with the function ({@link
 * CumoClientHolder}), and no constant folding.
 */
abstract class ModelScalarFunction extends ScalarFunction implements SpecializedFunction {

    private static final long serialVersionUID = 1L;

    private final FunctionOptions options;
    private final CumoClientHolder holder;

    ModelScalarFunction(String name, FunctionOptions options) {
        this.options = options;
        this.holder = new CumoClientHolder(name, FunctionOptions.WHERE_TO_SET);
    }

    /** The same function with {@code options}. */
    abstract ModelScalarFunction withOptions(FunctionOptions options);

    /** The client opened in {@link #open}. */
    final CumoClient client() {
        return holder.client();
    }

    @Override
    public UserDefinedFunction specialize(SpecializedContext context) {
        return withOptions(holder.parsing(() -> options.withTableConfig(context.getConfiguration())));
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        holder.open(options.settings(), context);
    }

    @Override
    public void close() {
        holder.close();
    }

    /** Never evaluated while planning: that would load the model in the client. */
    @Override
    public boolean supportsConstantFolding() {
        return false;
    }
}

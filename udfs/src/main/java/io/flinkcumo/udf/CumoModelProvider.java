package io.flinkcumo.udf;

import java.util.Map;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/** A validated CuMo model: creates its synchronous or asynchronous ML_PREDICT function. */
final class CumoModelProvider implements PredictRuntimeProvider, AsyncPredictRuntimeProvider {

    private final String model;
    private final Map<String, String> options;
    private final CumoModelSchema schema;

    CumoModelProvider(String model, Map<String, String> options, CumoModelSchema schema) {
        this.model = model;
        this.options = Map.copyOf(options);
        this.schema = schema;
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new CumoPredictFunction(model, options, schema);
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new CumoAsyncPredictFunction(model, options, schema);
    }

    @Override
    public CumoModelProvider copy() {
        return new CumoModelProvider(model, options, schema);
    }
}

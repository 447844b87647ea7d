package io.flinkcumo.udf;

import io.flinkcumo.runtime.core.CumoSettings;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/** A validated CuMo model: creates its synchronous or asynchronous ML_PREDICT function. */
final class CumoModelProvider implements PredictRuntimeProvider, AsyncPredictRuntimeProvider {

    private final String model;
    private final CumoSettings settings;
    private final CumoModelSchema schema;

    CumoModelProvider(String model, CumoSettings settings, CumoModelSchema schema) {
        this.model = model;
        this.settings = settings;
        this.schema = schema;
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new CumoPredictFunction(model, settings, schema);
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new CumoAsyncPredictFunction(model, settings, schema);
    }

    @Override
    public CumoModelProvider copy() {
        return new CumoModelProvider(model, settings, schema);
    }
}

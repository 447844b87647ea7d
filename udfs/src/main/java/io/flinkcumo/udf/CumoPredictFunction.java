package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.core.CumoSettings;
import java.util.Collection;
import java.util.List;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;

/**
 * Synchronous ML_PREDICT with a CuMo model (batch and streaming): each call blocks its subtask,
 * and the subtasks of a TaskManager share one micro-batcher. Always one output row per input row.
 */
public final class CumoPredictFunction extends PredictFunction {

    private static final long serialVersionUID = 1L;

    private final ModelCalls calls;

    CumoPredictFunction(String model, CumoSettings settings, CumoModelSchema schema) {
        this.calls = new ModelCalls(model, settings, schema);
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        calls.open(context);
    }

    @Override
    public Collection<RowData> predict(RowData input) {
        return List.of(CumoClient.await(calls.predict(input)));
    }

    @Override
    public void close() {
        calls.close();
    }
}

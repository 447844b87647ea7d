package io.flinkcumo.udf;

import io.flinkcumo.runtime.core.CumoSettings;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;

/**
 * Asynchronous ML_PREDICT with a CuMo model (batch and streaming): up to {@code
 * max-concurrent-operations} requests per subtask in flight, all subtasks of a TaskManager sharing
 * one micro-batcher. Always one output row per input row.
 */
public final class CumoAsyncPredictFunction extends AsyncPredictFunction {

    private static final long serialVersionUID = 1L;

    private final ModelCalls calls;

    CumoAsyncPredictFunction(String model, CumoSettings settings, CumoModelSchema schema) {
        this.calls = new ModelCalls(model, settings, schema);
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        calls.open(context);
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        return calls.predict(input).thenApply(List::of);
    }

    @Override
    public void close() {
        calls.close();
    }
}

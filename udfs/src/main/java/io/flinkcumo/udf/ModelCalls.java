package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoClientHolder;
import io.flinkcumo.runtime.core.CumoSettings;
import java.io.Serializable;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;

/** What the synchronous and the asynchronous ML_PREDICT functions share: one input row to one output row. */
final class ModelCalls implements Serializable {

    private static final long serialVersionUID = 1L;

    private final CumoSettings settings;
    private final CumoModelSchema schema;
    private final CumoClientHolder holder;

    ModelCalls(String model, CumoSettings settings, CumoModelSchema schema) {
        this.settings = settings;
        this.schema = schema;
        this.holder = new CumoClientHolder("ML_PREDICT with CuMo model " + model);
    }

    void open(FunctionContext context) throws Exception {
        holder.open(settings, context);
    }

    /** The output row for an input row; under {@code error-handling = fail} completes exceptionally. */
    CompletableFuture<RowData> predict(RowData input) {
        CumoClient client = holder.client();
        return (schema.hasQuestion()
                        ? client.ask(schema.image(input), schema.question(input))
                        : client.caption(schema.image(input)))
                .thenApply(schema::output);
    }

    void close() {
        holder.close();
    }
}

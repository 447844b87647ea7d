package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoOutcome;
import io.flinkcumo.runtime.CumoSettings;
import java.io.Serializable;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;

/** What the synchronous and the asynchronous ML_PREDICT functions share: one input row to one output row. */
final class ModelCalls implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String model;
    private final CumoSettings settings;
    private final CumoModelSchema schema;
    private transient CumoClient client;

    ModelCalls(String model, CumoSettings settings, CumoModelSchema schema) {
        this.model = model;
        this.settings = settings;
        this.schema = schema;
    }

    void open(FunctionContext context) throws Exception {
        client = CumoClient.open(settings, context);
    }

    /** The output row for an input row; under {@code error-handling = fail} completes exceptionally. */
    CompletableFuture<RowData> predict(RowData input) {
        if (client == null) {
            throw new IllegalStateException("ML_PREDICT with CuMo model " + model + " was called before open()");
        }
        CompletableFuture<CumoOutcome> outcome = schema.hasQuestion()
                ? client.ask(schema.image(input), schema.question(input))
                : client.caption(schema.image(input));
        return outcome.thenApply(schema::output);
    }

    void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}

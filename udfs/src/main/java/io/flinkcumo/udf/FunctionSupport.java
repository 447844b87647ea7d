package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoOutcome;
import io.flinkcumo.runtime.CumoScores;
import io.flinkcumo.runtime.ImageRef;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.table.functions.FunctionContext;

/**
 * What every CuMo SQL function does around its {@code eval}: resolve its options, open a {@link
 * CumoClient} in {@code open()} (the first one in a JVM loads the model), and close it in {@code
 * close()} (the last one frees it). Held by each function, since scalar and async scalar functions
 * have different base classes.
 */
final class FunctionSupport implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String functionName;
    private final FunctionOptions options;
    private transient CumoClient client;

    FunctionSupport(String functionName, FunctionOptions options) {
        this.functionName = functionName;
        this.options = options;
    }

    FunctionOptions options() {
        return options;
    }

    void open(FunctionContext context) throws Exception {
        try {
            client = CumoClient.open(options.resolve(context), context);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(functionName + ": " + e.getMessage()
                    + ". Set the options with LOAD MODULE cumo WITH ('model-path' = '...', ...), with"
                    + " SET 'cumo.<option>' = '...' before the query, or as job parameters 'cumo.<option>'.", e);
        }
    }

    CompletableFuture<CumoOutcome> ask(ImageRef image, String question) {
        return client().ask(image, question);
    }

    CompletableFuture<CumoOutcome> caption(ImageRef image) {
        return client().caption(image);
    }

    CompletableFuture<CumoScores> classify(ImageRef image, String question, List<String> labels) {
        return client().classify(image, question, labels);
    }

    /** Waits for an outcome; under {@code error-handling = fail} throws, failing the task. */
    <T> T await(CompletableFuture<T> outcome) {
        return CumoClient.await(outcome);
    }

    private CumoClient client() {
        if (client == null) {
            throw new IllegalStateException(functionName + " was called before open() or after close()");
        }
        return client;
    }

    void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}

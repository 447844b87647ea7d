package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClient;
import io.flinkcumo.runtime.CumoOutcome;
import io.flinkcumo.runtime.CumoScores;
import io.flinkcumo.runtime.ImageRef;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.functions.FunctionContext;

/**
 * What every CuMo SQL function does around its {@code eval}: resolve its options when the planner
 * specialises it ({@link #specialized}), open a {@link
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

    /**
     * The options completed with the planner's configuration and parsed, once, into the settings
     * the function carries to the TaskManagers.
     *
     * @throws IllegalArgumentException naming the function and every invalid or missing option
     */
    FunctionOptions specialized(ReadableConfig configuration) {
        try {
            return options.withTableConfig(configuration);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(functionName + ": " + e.getMessage()
                    + ". Set the options with LOAD MODULE cumo WITH ('model-path' = '...', ...), with"
                    + " SET 'cumo.<option>' = '...' before the query, or as job parameters 'cumo.<option>'.", e);
        }
    }

    void open(FunctionContext context) throws Exception {
        client = CumoClient.open(options.settings(), context);
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

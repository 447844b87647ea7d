package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoClientHolder;
import io.flinkcumo.runtime.core.CumoReply;
import io.flinkcumo.runtime.core.ErrorPolicy;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.AsyncScalarFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;
import org.apache.flink.types.Row;

/**
 * {@code cumo_answer_async(image, question) -> STRING}: {@link CumoAnswerFunction cumo_answer} as
 * an {@link AsyncScalarFunction}, for streaming jobs only (Flink 2.2 does not run async scalar
 * functions in batch mode). Up to {@code table.exec.async-scalar.max-concurrent-operations}
 * requests per subtask are in flight, so one subtask alone fills batches. Under {@code
 * error-handling = fail} a failed request is retried by Flink according to {@code
 * table.exec.async-scalar.retry-strategy}, then fails the job.
 */
public class CumoAnswerAsyncFunction extends AsyncScalarFunction implements SpecializedFunction {

    private static final long serialVersionUID = 1L;

    /** The name the module registers. */
    public static final String NAME = "cumo_answer_async";

    private final FunctionOptions options;
    private final CumoClientHolder holder = new CumoClientHolder(NAME, FunctionOptions.WHERE_TO_SET);

    /** For {@code CREATE FUNCTION}: options come from the configuration or the job parameters. */
    public CumoAnswerAsyncFunction() {
        this(FunctionOptions.none());
    }

    /** With explicit options, as the module creates it. */
    public CumoAnswerAsyncFunction(Map<String, String> options) {
        this(FunctionOptions.of(options));
    }

    CumoAnswerAsyncFunction(FunctionOptions options) {
        this.options = options;
    }

    public void eval(CompletableFuture<String> result, byte[] image, String question) {
        complete(result, holder.client().ask(SqlImages.of(image), question));
    }

    public void eval(
            CompletableFuture<String> result, @DataTypeHint(SqlImages.HF_IMAGE) Row image, String question) {
        complete(result, holder.client().ask(SqlImages.of(image), question));
    }

    private static void complete(CompletableFuture<String> result, CompletableFuture<CumoReply> reply) {
        reply.whenComplete((value, error) -> {
            if (error != null) {
                result.completeExceptionally(ErrorPolicy.unwrap(error));
            } else {
                result.complete(value.answer());
            }
        });
    }

    @Override
    public UserDefinedFunction specialize(SpecializedContext context) {
        return new CumoAnswerAsyncFunction(holder.parsing(() -> options.withTableConfig(context.getConfiguration())));
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        holder.open(options.settings(), context);
    }

    @Override
    public void close() {
        holder.close();
    }

    @Override
    public boolean supportsConstantFolding() {
        return false;
    }
}

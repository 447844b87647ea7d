package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.CumoSettings;

import java.io.Serializable;
import java.util.function.Supplier;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.table.functions.FunctionContext;

/**
 * The {@link CumoClient} of one function instance, opened and closed with the operator's life
 * cycle: every CuMo function (the SQL functions, ML_PREDICT, the DataStream and job functions)
 * holds one, opens it in {@code open()} (the first client in a JVM loads the model) and closes it in
 * {@code close()} (the last one frees it). Serializable with its function; the client itself lives
 * only on the TaskManager.
 */
public final class CumoClientHolder implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String owner;
    private final String optionsHint;
    private transient CumoClient client;

    /**
     * @param owner names the function in errors, e.g. {@code cumo_answer}
     * @param optionsHint appended to an invalid-option error, saying where the options are set; null
     *     to rethrow the error as it is
     */
    public CumoClientHolder(String owner, String optionsHint) {
        this.owner = owner;
        this.optionsHint = optionsHint;
    }

    /** A holder whose invalid-option errors are rethrown as they are. */
    public CumoClientHolder(String owner) {
        this(owner, null);
    }

    /** Opens the client of a Table/SQL function's subtask ({@link CumoClient#open(CumoSettings, FunctionContext)}). */
    public void open(CumoSettings settings, FunctionContext context) throws InterruptedException {
        try {
            client = CumoClient.open(settings, context);
        } catch (IllegalArgumentException e) {
            throw explained(e);
        }
    }

    /** Opens the client of a DataStream function's subtask ({@link CumoClient#open(CumoSettings, RuntimeContext)}). */
    public void open(CumoSettings settings, RuntimeContext context) throws InterruptedException {
        try {
            client = CumoClient.open(settings, context);
        } catch (IllegalArgumentException e) {
            throw explained(e);
        }
    }

    /**
     * Runs {@code parse} (the owner's options into settings, when the planner specialises a SQL
     * function); a refusal names the owner and where the options are set.
     */
    public <T> T parsing(Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw explained(e);
        }
    }

    private IllegalArgumentException explained(IllegalArgumentException e) {
        return optionsHint == null ? e : new IllegalArgumentException(owner + ": " + e.getMessage() + optionsHint, e);
    }

    /**
     * The open client.
     *
     * @throws IllegalStateException before {@code open()} or after {@code close()}
     */
    public CumoClient client() {
        CumoClient open = client;
        if (open == null) {
            throw new IllegalStateException(owner + " was called before open() or after close()");
        }
        return open;
    }

    /** True between {@code open()} and {@code close()}. */
    public boolean isOpen() {
        return client != null;
    }

    /** Closes the client, if open; idempotent. */
    public void close() {
        CumoClient open = client;
        client = null;
        if (open != null) {
            open.close();
        }
    }
}

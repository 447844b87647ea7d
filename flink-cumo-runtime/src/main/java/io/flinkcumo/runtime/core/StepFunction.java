package io.flinkcumo.runtime.core;

import java.util.List;
import java.util.Map;

/**
 * Runs requests iteration by iteration (iteration-level batching, as vLLM and Orca do): requests
 * {@link #admit join} the running set between steps, every {@link #step} advances all of them at
 * once, and each request leaves as soon as it has its result. Called only from the {@link
 * MicroBatcher}'s dispatcher thread, never concurrently.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public interface StepFunction<I, O> {

    /**
     * Whether {@code next} may join now, together with the requests already chosen in this round
     * ({@code admitting}), given the running ones (e.g. a memory budget). The batcher applies
     * {@code max-batch-size} itself, and admits one request into an empty set whatever this says.
     */
    boolean canAdmit(List<I> admitting, I next);

    /**
     * Starts requests (their first iteration: e.g. vision and prefill). Returns the results of
     * those that finished at once or failed on their own, by id; the others are running. If it
     * throws, none of them started and the running set is unchanged, so the batcher may retry them
     * in smaller groups to isolate the cause.
     *
     * @param ids the batcher's id of each input
     */
    Map<Long, ItemResult<O>> admit(List<Long> ids, List<I> inputs) throws Exception;

    /**
     * Advances every running request by one iteration; returns the ones that finished, by id. If it
     * throws, the running requests are lost: the batcher fails them and calls {@link #reset}.
     */
    Map<Long, ItemResult<O>> step() throws Exception;

    /** Drops a running request (it timed out or was cancelled), freeing its place. */
    void cancel(long id);

    /** Number of running requests. */
    int running();

    /** Drops every running request and frees what they hold. */
    void reset();
}

package io.flinkcumo.runtime.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs one batch of requests, for example one batched forward pass on the GPU.
 *
 * <p>It returns one {@link ItemResult} per input, in input order. A failure that belongs to one
 * input should be returned as {@link ItemResult#failure}; throwing fails the whole call, after
 * which {@link MicroBatcher} may re-run the inputs in smaller batches (see {@link
 * BatcherConfig#isolateFailures()}).
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface BatchFunction<I, O> {

    /**
     * Processes a batch; called only from the dispatcher thread, never concurrently.
     *
     * @param inputs 1 to {@code maxBatchSize} inputs
     * @return exactly {@code inputs.size()} results, in input order
     * @throws Exception if the batch as a whole failed
     */
    List<ItemResult<O>> apply(List<I> inputs) throws Exception;

    /**
     * Adapts a function that returns plain values in input order; any error it throws is a batch
     * failure.
     */
    static <I, O> BatchFunction<I, O> ofValues(Function<List<I>, List<O>> function) {
        return inputs -> {
            List<O> values = function.apply(inputs);
            if (values == null) {
                return null;
            }
            List<ItemResult<O>> results = new ArrayList<>(values.size());
            for (O value : values) {
                results.add(ItemResult.success(value));
            }
            return results;
        };
    }
}

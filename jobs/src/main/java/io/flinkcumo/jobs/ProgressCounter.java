package io.flinkcumo.jobs;

import java.util.function.Predicate;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Passes records through, counting them (and the failed ones) in the accumulators {@value
 * #DONE} and {@value #FAILED}, which the client polls for a progress line ({@link
 * ProgressReporter}). Async functions cannot use accumulators, so this runs right after one.
 */
public final class ProgressCounter<T> extends RichMapFunction<T, T> {

    private static final long serialVersionUID = 1L;

    /** Accumulator: records done. */
    public static final String DONE = "cumo-rows-done";

    /** Accumulator: records done with an error. */
    public static final String FAILED = "cumo-rows-failed";

    private final SerializablePredicate<T> failed;
    private transient LongCounter done;
    private transient LongCounter failures;

    /** A predicate Flink can ship to the TaskManagers. */
    public interface SerializablePredicate<T> extends Predicate<T>, java.io.Serializable {}

    /** @param failed tells the records that failed */
    public ProgressCounter(SerializablePredicate<T> failed) {
        this.failed = failed;
    }

    @Override
    public void open(OpenContext openContext) {
        done = new LongCounter();
        failures = new LongCounter();
        getRuntimeContext().addAccumulator(DONE, done);
        getRuntimeContext().addAccumulator(FAILED, failures);
    }

    @Override
    public T map(T value) {
        done.add(1);
        if (failed.test(value)) {
            failures.add(1);
        }
        return value;
    }
}

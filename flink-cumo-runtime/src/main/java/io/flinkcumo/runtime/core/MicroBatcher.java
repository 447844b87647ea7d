package io.flinkcumo.runtime.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups requests from many threads into batches for one {@link BatchFunction}, run by a single
 * dispatcher thread (a daemon named {@code cumo-dispatcher-<name>}).
 *
 * <h2>Batching</h2>
 *
 * A batch runs as soon as {@code maxBatchSize} requests are queued, or when the oldest queued request
 * has waited {@code maxBatchWait}. While a batch runs, new requests queue up and form the next one.
 *
 * <h2>Iteration-level batching</h2>
 *
 * Constructed with a {@link StepFunction} instead, the dispatcher schedules per iteration: the
 * running requests advance together one {@link StepFunction#step} at a time, a request leaves as
 * soon as it has its result, and queued requests {@link StepFunction#admit join} between steps (up
 * to {@code maxBatchSize} running and whatever budget {@link StepFunction#canAdmit} applies). When
 * nothing runs, the first group forms as a batch does above. Back-pressure, timeouts and shutdown
 * are the same; failure isolation applies to admission (a group whose start throws is split in
 * halves), while a step that throws fails the requests running in it. A request that times out or
 * is cancelled while running leaves the running set before the next step.
 *
 * <h2>Back-pressure</h2>
 *
 * At most {@code queueCapacity} requests wait in the queue. {@link #submit} blocks while it is full
 * (until space frees up or the request's timeout passes); {@link #trySubmit} fails at once with a
 * {@link RejectedExecutionException} instead. Memory is therefore bounded.
 *
 * <h2>Timeouts</h2>
 *
 * A request that has not finished {@code requestTimeout} after submission, whether still queued or
 * running, completes exceptionally with a {@link TimeoutException} that names the timeout. A queued
 * request that timed out leaves the queue and is never run; a running one is abandoned (the batch
 * finishes, its result is dropped).
 *
 * <h2>Failure isolation</h2>
 *
 * The batch function reports per-request failures as {@link ItemResult#failure}. If it throws
 * instead and {@code isolateFailures} is on, the batch is split in halves and each half re-run,
 * recursively, so a request that fails on its own (a poisoned input) fails alone and its neighbours
 * still get results; a single request that throws fails with the thrown error. Re-runs skip requests
 * that timed out meanwhile. {@link VirtualMachineError}s and interrupts are never retried.
 *
 * <h2>Shutdown</h2>
 *
 * {@link #close()} stops accepting requests, fails every queued request with an {@link
 * IllegalStateException} ("model service closed ..."), waits up to {@code shutdownTimeout} for the
 * running batch, then interrupts the dispatcher and fails what is still running. {@link
 * #drainAndClose(Duration)} runs the queued requests first. No future is left incomplete.
 *
 * <p>Futures are completed on the dispatcher or timeout thread; dependent actions should be short.
 *
 * @param <I> the request type
 * @param <O> the result type
 */
public final class MicroBatcher<I, O> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatcher.class);

    private final BatcherConfig config;
    private final BatchFunction<I, O> function; // null when iterating
    private final StepFunction<I, O> steps; // null when batching statically
    private final BatcherListener listener;
    private final Thread dispatcher;
    private final ScheduledThreadPoolExecutor timeouts;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Request<I, O>> queue = new ArrayDeque<>();
    private boolean accepting = true; // guarded by lock
    private volatile List<Request<I, O>> running = List.of();

    /**
     * Starts the dispatcher thread.
     *
     * @param config batching, queue and timeout settings
     * @param function runs each batch
     * @param listener receives statistics; {@link BatcherListener#NONE} for none
     */
    public MicroBatcher(BatcherConfig config, BatchFunction<I, O> function, BatcherListener listener) {
        this(config, Objects.requireNonNull(function, "function"), null, listener);
    }

    /**
     * Starts the dispatcher thread with iteration-level scheduling (see the class description).
     *
     * @param config batching, queue and timeout settings; {@code maxBatchSize} bounds the running set
     * @param steps admits and advances the running requests
     * @param listener receives statistics; each step is reported as a batch of the running requests
     */
    public MicroBatcher(BatcherConfig config, StepFunction<I, O> steps, BatcherListener listener) {
        this(config, null, Objects.requireNonNull(steps, "steps"), listener);
    }

    private MicroBatcher(BatcherConfig config, BatchFunction<I, O> function, StepFunction<I, O> steps, BatcherListener listener) {
        this.config = Objects.requireNonNull(config, "config");
        this.function = function;
        this.steps = steps;
        this.listener = new GuardedListener(Objects.requireNonNull(listener, "listener"));
        this.timeouts =
                new ScheduledThreadPoolExecutor(1, daemonFactory("cumo-timeouts-" + config.name()));
        timeouts.setRemoveOnCancelPolicy(true);
        this.dispatcher = daemonFactory("cumo-dispatcher-" + config.name()).newThread(this::dispatch);
        dispatcher.start();
    }

    /**
     * Queues a request, blocking while the queue is full.
     *
     * @param input the request
     * @return completes with the result, or exceptionally with the request's error, a {@link
     *     TimeoutException}, or an {@link IllegalStateException} once closed
     * @throws InterruptedException if interrupted while waiting for queue space
     */
    public CompletableFuture<O> submit(I input) throws InterruptedException {
        return enqueue(input, true);
    }

    /**
     * Queues a request if there is space, without blocking.
     *
     * @param input the request
     * @return as {@link #submit}, or failed with a {@link RejectedExecutionException} if the queue is
     *     full
     */
    public CompletableFuture<O> trySubmit(I input) {
        try {
            return enqueue(input, false);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-blocking submit cannot be interrupted", e);
        }
    }

    /** Requests currently waiting in the queue (not counting the running batch). */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The settings this batcher runs with. */
    public BatcherConfig config() {
        return config;
    }

    /**
     * Stops accepting requests and runs those already queued, waiting at most {@code timeout}; then
     * closes as {@link #close()} does.
     *
     * @param timeout how long to let queued requests run
     * @throws InterruptedException if interrupted while waiting; the batcher is still closed
     */
    public void drainAndClose(Duration timeout) throws InterruptedException {
        stopAccepting(false);
        try {
            dispatcher.join(Math.max(1, timeout.toMillis()));
        } finally {
            close();
        }
    }

    /**
     * Stops accepting requests, fails the queued ones, waits up to {@code shutdownTimeout} for the
     * running batch and stops the threads. Idempotent.
     */
    @Override
    public void close() {
        List<Request<I, O>> abandoned = stopAccepting(true);
        abandoned.forEach(request -> fail(request, closed("the request was still queued", null)));
        if (Thread.currentThread() == dispatcher) {
            timeouts.shutdownNow(); // closed from a completion callback: the loop ends after this batch
            return;
        }
        try {
            dispatcher.join(Math.max(1, config.shutdownTimeout().toMillis()));
            if (dispatcher.isAlive()) {
                LOG.warn(
                        "{} did not finish its batch within {}; interrupting it",
                        dispatcher.getName(),
                        Durations.format(config.shutdownTimeout()));
                running.forEach(
                        request ->
                                fail(request, closed("its batch was still running at the shutdown timeout", null)));
                dispatcher.interrupt();
                dispatcher.join(Math.max(1, config.shutdownTimeout().toMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.forEach(request -> fail(request, closed("close() was interrupted", e)));
            dispatcher.interrupt();
        } finally {
            timeouts.shutdownNow();
        }
    }

    /** Whether the dispatcher thread is still running; false once closed. */
    public boolean isDispatcherAlive() {
        return dispatcher.isAlive();
    }

    private CompletableFuture<O> enqueue(I input, boolean block) throws InterruptedException {
        listener.onRequestSubmitted();
        Request<I, O> request = new Request<>(input, System.nanoTime(), config.requestTimeout());
        Throwable rejection;
        int depth = 0;
        lock.lock();
        try {
            rejection = awaitSpace(request, block);
            if (rejection == null) {
                request.enqueuedNanos = System.nanoTime();
                queue.addLast(request);
                depth = queue.size();
                notEmpty.signal();
            }
        } catch (InterruptedException e) {
            rejection = e;
        } finally {
            lock.unlock();
        }
        if (rejection != null) {
            fail(request, rejection);
            if (rejection instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            return request.future;
        }
        listener.onRequestQueued(depth);
        scheduleTimeout(request);
        return request.future;
    }

    /** With the lock held: waits for queue space; returns why the request cannot be queued, or null. */
    private Throwable awaitSpace(Request<I, O> request, boolean block) throws InterruptedException {
        while (accepting && queue.size() >= config.queueCapacity()) {
            long remaining = request.deadlineNanos - System.nanoTime();
            if (!block) {
                return queueFull();
            }
            if (remaining <= 0) {
                return timedOut("waiting for queue space");
            }
            notFull.awaitNanos(remaining);
        }
        return accepting ? null : closed("it no longer accepts requests", null);
    }

    private void scheduleTimeout(Request<I, O> request) {
        long delay = request.deadlineNanos - System.nanoTime();
        try {
            ScheduledFuture<?> task =
                    timeouts.schedule(() -> expire(request), delay, TimeUnit.NANOSECONDS);
            request.future.whenComplete((value, error) -> task.cancel(false));
        } catch (RejectedExecutionException closedMeanwhile) {
            // close() ran between queueing and here; it fails or has failed the request itself.
        }
    }

    private void expire(Request<I, O> request) {
        boolean wasQueued;
        lock.lock();
        try {
            wasQueued = queue.remove(request);
            if (wasQueued) {
                notFull.signal();
            }
        } finally {
            lock.unlock();
        }
        fail(request, timedOut(wasQueued ? "still queued" : "running"));
    }

    private void dispatch() {
        try {
            if (steps != null) {
                iterate();
            } else {
                List<Request<I, O>> batch;
                while ((batch = nextBatch()) != null) {
                    runBatch(batch);
                }
            }
        } catch (InterruptedException e) {
            LOG.debug("{} interrupted", Thread.currentThread().getName());
        } catch (Throwable t) {
            LOG.error("{} failed; failing its requests", Thread.currentThread().getName(), t);
            running.forEach(request -> fail(request, closed("the dispatcher failed", t)));
        } finally {
            running = List.of();
            if (steps != null) {
                try {
                    steps.reset();
                } catch (RuntimeException e) {
                    LOG.warn("{}: resetting the running set failed", Thread.currentThread().getName(), e);
                }
            }
            stopAccepting(true).forEach(request -> fail(request, closed("its dispatcher stopped", null)));
        }
    }

    // ---------------------------------------------------------------- iteration-level scheduling

    private long nextId;
    private final Map<Long, Cohort> cohorts = new java.util.HashMap<>(); // running id → the admission it came with

    /**
     * The requests admitted together: reported to the listener as one batch (size, failures, time
     * from admission to the last result) once the last of them has left, as a static batch is.
     */
    private static final class Cohort {
        final int size;
        final long start = System.nanoTime();
        int open;
        int failed;

        Cohort(int size) {
            this.size = size;
            this.open = size;
        }
    }

    private void leave(Cohort cohort, Request<I, O> request) {
        if (request.future.isCompletedExceptionally()) {
            cohort.failed++;
        }
        if (--cohort.open == 0) {
            listener.onBatchFinished(cohort.size, cohort.failed, System.nanoTime() - cohort.start);
        }
    }

    /** The dispatcher loop with a {@link StepFunction}: admit between steps, step while anything runs. */
    private void iterate() throws InterruptedException {
        Map<Long, Request<I, O>> active = new LinkedHashMap<>();
        List<Request<I, O>> admitted;
        while ((admitted = nextAdmission(active)) != null) {
            dropAbandoned(active);
            if (!admitted.isEmpty()) {
                Cohort cohort = new Cohort(admitted.size());
                List<Request<I, O>> live = new ArrayList<>();
                for (Request<I, O> request : admitted) {
                    if (request.future.isDone()) {
                        leave(cohort, request); // timed out while being picked
                    } else {
                        live.add(request);
                    }
                }
                if (!live.isEmpty()) {
                    admit(live, active, cohort);
                }
            }
            running = List.copyOf(active.values());
            if (!active.isEmpty()) {
                step(active);
                running = List.copyOf(active.values());
            }
        }
    }

    /**
     * Requests to admit now: none if the running set is full or the queue empty; blocks only while
     * nothing runs (then as {@link #nextBatch}). Null once closed with nothing queued or running.
     */
    private List<Request<I, O>> nextAdmission(Map<Long, Request<I, O>> active) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (active.isEmpty()) {
                if (queue.isEmpty()) {
                    if (!accepting) {
                        return null;
                    }
                    notEmpty.await();
                    continue;
                }
                if (queue.size() >= config.maxBatchSize() || !accepting) {
                    break;
                }
                long remaining = queue.peekFirst().enqueuedNanos + config.maxBatchWait().toNanos() - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                notEmpty.awaitNanos(remaining);
            }
            List<Request<I, O>> batch = new ArrayList<>();
            List<I> inputs = new ArrayList<>();
            while (!queue.isEmpty() && active.size() + batch.size() < config.maxBatchSize()) {
                Request<I, O> head = queue.peekFirst();
                boolean first = active.isEmpty() && batch.isEmpty();
                if (!first && !steps.canAdmit(inputs, head.input)) {
                    break;
                }
                batch.add(queue.pollFirst());
                inputs.add(head.input);
            }
            if (!batch.isEmpty()) {
                notFull.signalAll();
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Removes running requests whose future completed meanwhile (timeout, cancellation, close). */
    private void dropAbandoned(Map<Long, Request<I, O>> active) {
        for (var it = active.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().future.isDone()) {
                it.remove();
                steps.cancel(e.getKey());
                leave(cohorts.remove(e.getKey()), e.getValue());
            }
        }
    }

    private void admit(List<Request<I, O>> requests, Map<Long, Request<I, O>> active, Cohort cohort)
            throws InterruptedException {
        List<Request<I, O>> live = requests; // one that times out meanwhile is dropped before the next step
        List<Long> ids = new ArrayList<>(live.size());
        for (int i = 0; i < live.size(); i++) {
            ids.add(nextId++);
        }
        Map<Long, ItemResult<O>> done;
        try {
            done = steps.admit(ids, live.stream().map(r -> r.input).toList());
        } catch (InterruptedException e) {
            live.forEach(request -> fail(request, closed("its batch was interrupted", e)));
            live.forEach(request -> leave(cohort, request));
            throw e;
        } catch (Throwable t) {
            if (config.isolateFailures() && live.size() > 1 && !(t instanceof VirtualMachineError)) {
                LOG.debug("admitting {} requests failed; retrying in halves to isolate the cause", live.size(), t);
                int half = live.size() / 2;
                admit(live.subList(0, half), active, cohort);
                admit(live.subList(half, live.size()), active, cohort);
            } else {
                live.forEach(request -> fail(request, t));
                live.forEach(request -> leave(cohort, request));
            }
            return;
        }
        for (int i = 0; i < live.size(); i++) {
            ItemResult<O> result = done == null ? null : done.get(ids.get(i));
            if (result == null) {
                active.put(ids.get(i), live.get(i));
                cohorts.put(ids.get(i), cohort);
            } else {
                complete(live.get(i), result, i);
                leave(cohort, live.get(i));
            }
        }
        if (active.size() != steps.running()) {
            throw new IllegalStateException(
                    "step function runs " + steps.running() + " requests, the batcher tracks " + active.size());
        }
    }

    private void step(Map<Long, Request<I, O>> active) throws InterruptedException {
        try {
            Map<Long, ItemResult<O>> done = steps.step();
            for (Map.Entry<Long, ItemResult<O>> e : done.entrySet()) {
                Request<I, O> request = active.remove(e.getKey());
                if (request != null) {
                    complete(request, e.getValue(), -1);
                    leave(cohorts.remove(e.getKey()), request);
                }
            }
        } catch (InterruptedException e) {
            failAll(active, closed("its batch was interrupted", e));
            throw e;
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError vme) {
                throw vme;
            }
            LOG.warn("a step of {} running requests failed; failing them", active.size(), t);
            try {
                steps.reset(); // free what they hold before their callers hear of the failure
            } finally {
                failAll(active, t);
            }
        }
    }

    private void failAll(Map<Long, Request<I, O>> active, Throwable error) {
        active.forEach((id, request) -> {
            fail(request, error);
            leave(cohorts.remove(id), request);
        });
        active.clear();
    }

    private void complete(Request<I, O> request, ItemResult<O> result, int index) {
        if (result instanceof ItemResult.Success<O> success) {
            succeed(request, success.value());
        } else if (result instanceof ItemResult.Failure<O> failure) {
            fail(request, failure.error());
        } else {
            fail(request, new IllegalStateException("step function returned a null result" + (index >= 0 ? " at " + index : "")));
        }
    }

    /** Refuses further requests; if asked, empties the queue and returns what was queued. */
    private List<Request<I, O>> stopAccepting(boolean dropQueued) {
        lock.lock();
        try {
            accepting = false;
            List<Request<I, O>> abandoned = dropQueued ? new ArrayList<>(queue) : List.of();
            if (dropQueued) {
                queue.clear();
            }
            notEmpty.signalAll();
            notFull.signalAll();
            return abandoned;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the next batch; null once closed and the queue is empty. */
    private List<Request<I, O>> nextBatch() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                if (queue.isEmpty()) {
                    if (!accepting) {
                        return null;
                    }
                    notEmpty.await();
                    continue;
                }
                if (queue.size() >= config.maxBatchSize() || !accepting) {
                    break;
                }
                long flushAt = queue.peekFirst().enqueuedNanos + config.maxBatchWait().toNanos();
                long remaining = flushAt - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                notEmpty.awaitNanos(remaining);
            }
            List<Request<I, O>> batch = new ArrayList<>(config.maxBatchSize());
            while (batch.size() < config.maxBatchSize() && !queue.isEmpty()) {
                batch.add(queue.pollFirst());
            }
            notFull.signalAll();
            running = batch;
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void runBatch(List<Request<I, O>> batch) throws InterruptedException {
        long start = System.nanoTime();
        try {
            execute(batch);
        } finally {
            running = List.of();
            int failed = (int) batch.stream().filter(r -> r.future.isCompletedExceptionally()).count();
            listener.onBatchFinished(batch.size(), failed, System.nanoTime() - start);
        }
    }

    private void execute(List<Request<I, O>> requests) throws InterruptedException {
        List<Request<I, O>> live = requests.stream().filter(r -> !r.future.isDone()).toList();
        if (live.isEmpty()) {
            return;
        }
        List<ItemResult<O>> results;
        try {
            results = function.apply(live.stream().map(r -> r.input).toList());
        } catch (InterruptedException e) {
            live.forEach(request -> fail(request, closed("its batch was interrupted", e)));
            throw e;
        } catch (Throwable t) {
            if (config.isolateFailures() && live.size() > 1 && !(t instanceof VirtualMachineError)) {
                LOG.debug("batch of {} failed; re-running it in halves to isolate the cause", live.size(), t);
                int half = live.size() / 2;
                execute(live.subList(0, half));
                execute(live.subList(half, live.size()));
            } else {
                live.forEach(request -> fail(request, t));
            }
            return;
        }
        deliver(live, results);
    }

    private void deliver(List<Request<I, O>> live, List<ItemResult<O>> results) {
        if (results == null || results.size() != live.size()) {
            IllegalStateException wrongSize =
                    new IllegalStateException(
                            "batch function returned "
                                    + (results == null ? "null" : results.size() + " results")
                                    + " for "
                                    + live.size()
                                    + " inputs");
            live.forEach(request -> fail(request, wrongSize));
            return;
        }
        for (int i = 0; i < live.size(); i++) {
            Request<I, O> request = live.get(i);
            ItemResult<O> result = results.get(i);
            if (result instanceof ItemResult.Success<O> success) {
                succeed(request, success.value());
            } else if (result instanceof ItemResult.Failure<O> failure) {
                fail(request, failure.error());
            } else {
                fail(request, new IllegalStateException("batch function returned a null result at " + i));
            }
        }
    }

    private void succeed(Request<I, O> request, O value) {
        if (request.future.complete(value)) {
            listener.onRequestCompleted(System.nanoTime() - request.submittedNanos);
        }
    }

    private void fail(Request<I, O> request, Throwable error) {
        if (request.future.completeExceptionally(error)) {
            listener.onRequestFailed(error, System.nanoTime() - request.submittedNanos);
        }
    }

    private RejectedExecutionException queueFull() {
        return new RejectedExecutionException(
                "model service "
                        + config.name()
                        + " is overloaded: its request queue is full (queue-capacity="
                        + config.queueCapacity()
                        + ")");
    }

    private TimeoutException timedOut(String state) {
        return new TimeoutException(
                "CuMo request timed out after "
                        + Durations.format(config.requestTimeout())
                        + " (option 'timeout') while "
                        + state
                        + " on model service "
                        + config.name());
    }

    private IllegalStateException closed(String detail, Throwable cause) {
        return new IllegalStateException(
                "model service closed (" + config.name() + "): " + detail, cause);
    }

    private static java.util.concurrent.ThreadFactory daemonFactory(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One queued request and its future. */
    private static final class Request<I, O> {
        final I input;
        final long submittedNanos;
        final long deadlineNanos;
        final CompletableFuture<O> future = new CompletableFuture<>();
        long enqueuedNanos; // written under the batcher lock before the request is visible

        Request(I input, long submittedNanos, Duration timeout) {
            this.input = input;
            this.submittedNanos = submittedNanos;
            this.deadlineNanos = submittedNanos + timeout.toNanos();
        }
    }
}

package io.flinkcumo.jobs;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;

/**
 * Prints a progress line ({@code rows done/total, rows/s, ETA}) while a job runs, from the
 * accumulators of {@link ProgressCounter}, which TaskManagers report with their heartbeats. On a
 * terminal the line is rewritten in place; otherwise a new line is printed when the count changed.
 */
public final class ProgressReporter implements AutoCloseable {

    private final JobClient job;
    private final long total;
    private final PrintStream out;
    private final boolean inPlace;
    private final Duration interval;
    private final String label;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean stopped;
    private long lastDone = -1;
    private boolean finished;

    /**
     * Starts polling.
     *
     * @param label starts each line, e.g. {@code cumo caption}
     * @param total records expected, or 0 if unknown
     */
    public ProgressReporter(String label, JobClient job, long total, PrintStream out, Duration interval) {
        this.label = label;
        this.job = job;
        this.total = total;
        this.out = out;
        this.inPlace = System.console() != null && out == System.err;
        this.interval = interval;
        this.thread = new Thread(this::poll, "cumo-progress");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        while (!stopped) {
            try {
                Thread.sleep(interval.toMillis());
                Map<String, Object> accumulators = job.getAccumulators().get(interval.toMillis() * 5, TimeUnit.MILLISECONDS);
                report(count(accumulators, ProgressCounter.DONE), count(accumulators, ProgressCounter.FAILED), false);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // the job may be finishing or not yet running; try again
            }
        }
    }

    private static long count(Map<String, Object> accumulators, String name) {
        return accumulators.get(name) instanceof Number n ? n.longValue() : 0;
    }

    /** Prints the final line. */
    public synchronized void finish(long done, long failed) {
        stop();
        report(done, failed, true);
    }

    private synchronized void report(long done, long failed, boolean last) {
        if (finished || (done == lastDone && !last)) {
            return;
        }
        lastDone = done;
        finished = last;
        String line = line(label, done, failed, total, (System.nanoTime() - startNanos) / 1e9);
        if (inPlace) {
            out.print("\r" + line + (last ? System.lineSeparator() : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** For example {@code cumo caption: 12/40 rows (30%), 1 failed, 1.5 rows/s, ETA 0:19}. */
    static String line(String label, long done, long failed, long total, double elapsedSeconds) {
        StringBuilder s = new StringBuilder(label).append(": ").append(done);
        if (total > 0) {
            s.append('/').append(total).append(" rows (").append(Math.min(100, done * 100 / total)).append("%)");
        } else {
            s.append(" rows");
        }
        if (failed > 0) {
            s.append(", ").append(failed).append(" failed");
        }
        double rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
        s.append(String.format(Locale.ROOT, ", %.2f rows/s", rate));
        if (total > 0 && done < total) {
            s.append(", ETA ").append(rate > 0 ? clock((total - done) / rate) : "?");
        } else if (total > 0) {
            s.append(", took ").append(clock(elapsedSeconds));
        }
        return s.toString();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private void stop() {
        stopped = true;
        thread.interrupt();
    }

    @Override
    public void close() {
        stop();
    }
}

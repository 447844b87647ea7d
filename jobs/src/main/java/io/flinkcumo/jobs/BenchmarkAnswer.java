package io.flinkcumo.jobs;

/** One answered (or failed) question: its line of the answer log. A Flink POJO. */
public class BenchmarkAnswer {

    /** The JSON line ({@link AnswerLog}). */
    public String line;

    public boolean failed;

    public BenchmarkAnswer() {}

    BenchmarkAnswer(String line, boolean failed) {
        this.line = line;
        this.failed = failed;
    }
}

package io.flinkcumo.runtime.core;

import java.util.Objects;

/**
 * Output of {@link io.flinkcumo.runtime.CumoAsyncFunction}: the {@link CumoReply} of one {@link CumoQuestion}, as a
 * Flink POJO.
 */
public class CumoAnswer {

    /** The question's id. */
    public String id;

    /** The generated answer; null if the input was null or the request failed. */
    public String answer;

    /** Generated tokens (without a final EOS); null without an answer. */
    public Integer generatedTokens;

    /**
     * Milliseconds from the call to the answer, preprocessing and queueing included; -1 when Flink's
     * operator timeout ended the request.
     */
    public long latencyMillis;

    /** Why the request failed, under {@code error-handling = error-column}; otherwise null. */
    public String error;

    /** Routing summary per component, e.g. {@code vision: entropy 1.371, top expert 0.312; ...}. */
    public String routing;

    public CumoAnswer() {}

    /** The answer to the question with {@code id}. */
    public static CumoAnswer of(String id, CumoReply reply) {
        CumoAnswer a = new CumoAnswer();
        a.id = id;
        a.answer = reply.answer();
        a.generatedTokens = reply.generatedTokens();
        a.latencyMillis = reply.latencyMillis();
        a.error = reply.error();
        a.routing = reply.routing() == null ? null : reply.routingSummary().toString();
        return a;
    }

    @Override
    public String toString() {
        return "CumoAnswer{id=" + id + ", answer=" + answer + ", tokens=" + generatedTokens + ", latencyMs="
                + latencyMillis + ", error=" + error + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CumoAnswer a && Objects.equals(id, a.id) && Objects.equals(answer, a.answer)
                && Objects.equals(generatedTokens, a.generatedTokens) && latencyMillis == a.latencyMillis
                && Objects.equals(error, a.error) && Objects.equals(routing, a.routing);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, answer, generatedTokens, error);
    }
}

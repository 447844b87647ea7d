package io.flinkcumo.stats;

import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;

import java.util.Objects;

/**
 * One row per answered request: the answer, token counts, where the time went and the mean router
 * entropy of each MoE component. A Flink POJO; {@link #toRowData()} gives the values in
 * {@link RoutingStatsRows#SUMMARY_ROW_TYPE} order, where the fields are documented.
 */
public class RequestSummaryRow {

    public String requestId;
    public String answer;
    public int generatedTokens;
    public boolean stoppedOnEos;
    public int promptPositions;
    public int batchSize;
    public double preprocessMs;
    public double visionMs;
    public double prefillMs;
    public double decodeMs;
    public double latencyMs;
    public Double visionEntropy;
    public Double projectorEntropy;
    public Double llmEntropy;

    /** For Flink's POJO serializer. */
    public RequestSummaryRow() {}

    /** This row as Flink internal data of {@link RoutingStatsRows#SUMMARY_ROW_TYPE}. */
    public RowData toRowData() {
        return GenericRowData.of(
                StringData.fromString(requestId),
                StringData.fromString(answer),
                generatedTokens,
                stoppedOnEos,
                promptPositions,
                batchSize,
                preprocessMs,
                visionMs,
                prefillMs,
                decodeMs,
                latencyMs,
                visionEntropy,
                projectorEntropy,
                llmEntropy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestSummaryRow r && toRowData().equals(r.toRowData());
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, answer, generatedTokens);
    }

    @Override
    public String toString() {
        return "RequestSummaryRow" + toRowData();
    }
}

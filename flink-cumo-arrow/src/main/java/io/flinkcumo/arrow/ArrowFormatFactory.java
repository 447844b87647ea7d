package io.flinkcumo.arrow;

import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.file.table.factories.BulkWriterFormatFactory;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

import java.util.Map;
import java.util.Set;

/**
 * {@code 'format' = 'arrow'} for the filesystem connector: each part file is an Arrow IPC file
 * ("Feather v2") of the table's physical columns, written in record batches. Options (with the
 * {@code arrow.} prefix in DDL):
 * <ul>
 *   <li>{@code batch-rows} (default 1024): rows per record batch;</li>
 *   <li>{@code batch-bytes} (default 64mb): a record batch also ends once its buffers reach this;</li>
 *   <li>{@code tensor-columns}: ARRAY&lt;FLOAT&gt; columns written as {@code arrow.fixed_shape_tensor},
 *       e.g. {@code 'pixels:3x336x336'} (several separated by commas).</li>
 * </ul>
 * Insert-only; column types as in {@link ArrowSchemas}.
 */
public final class ArrowFormatFactory implements BulkWriterFormatFactory {

    public static final String IDENTIFIER = "arrow";

    public static final ConfigOption<Integer> BATCH_ROWS = ConfigOptions.key("batch-rows")
            .intType()
            .defaultValue(ArrowWriteOptions.DEFAULT_BATCH_ROWS)
            .withDescription("Rows per Arrow record batch.");

    public static final ConfigOption<MemorySize> BATCH_BYTES = ConfigOptions.key("batch-bytes")
            .memoryType()
            .defaultValue(new MemorySize(ArrowWriteOptions.DEFAULT_BATCH_BYTES))
            .withDescription("A record batch also ends once its off-heap buffers reach about this size.");

    public static final ConfigOption<Map<String, String>> TENSOR_COLUMNS = ConfigOptions.key("tensor-columns")
            .mapType()
            .noDefaultValue()
            .withDescription("ARRAY<FLOAT> columns written as arrow.fixed_shape_tensor with the given shape,"
                    + " e.g. 'pixels:3x336x336'.");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(BATCH_ROWS, BATCH_BYTES, TENSOR_COLUMNS);
    }

    @Override
    public EncodingFormat<BulkWriter.Factory<RowData>> createEncodingFormat(
            DynamicTableFactory.Context context, ReadableConfig formatOptions) {
        FactoryUtil.validateFactoryOptions(this, formatOptions);
        ArrowWriteOptions options = writeOptions(formatOptions);
        return new EncodingFormat<>() {
            @Override
            public BulkWriter.Factory<RowData> createRuntimeEncoder(DynamicTableSink.Context sink, DataType physicalType) {
                return ArrowBulkWriters.forRowType((RowType) physicalType.getLogicalType(), options);
            }

            @Override
            public ChangelogMode getChangelogMode() {
                return ChangelogMode.insertOnly();
            }
        };
    }

    /** The write options the format options describe. */
    static ArrowWriteOptions writeOptions(ReadableConfig formatOptions) {
        ArrowWriteOptions options = ArrowWriteOptions.defaults()
                .withBatchRows(formatOptions.get(BATCH_ROWS))
                .withBatchBytes(formatOptions.get(BATCH_BYTES).getBytes());
        for (Map.Entry<String, String> e : formatOptions.getOptional(TENSOR_COLUMNS).orElse(Map.of()).entrySet()) {
            try {
                options = options.withTensorColumn(e.getKey().trim(), FixedShapeTensorType.parseShape(e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new ValidationException("invalid arrow.tensor-columns entry '" + e.getKey() + ":" + e.getValue() + "': "
                        + ex.getMessage(), ex);
            }
        }
        return options;
    }
}

package io.flinkcumo.arrow;

import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;

import java.util.ArrayList;
import java.util.List;

/**
 * Flink row types as Arrow schemas. Supported column types and their Arrow types:
 *
 * <table>
 *   <caption>Flink to Arrow</caption>
 *   <tr><th>Flink</th><th>Arrow</th></tr>
 *   <tr><td>BOOLEAN</td><td>bool</td></tr>
 *   <tr><td>TINYINT, SMALLINT, INT, BIGINT</td><td>int8, int16, int32, int64</td></tr>
 *   <tr><td>FLOAT, DOUBLE</td><td>float32, float64</td></tr>
 *   <tr><td>DECIMAL(p, s)</td><td>decimal128(p, s)</td></tr>
 *   <tr><td>CHAR, VARCHAR / STRING</td><td>utf8</td></tr>
 *   <tr><td>BINARY, VARBINARY / BYTES</td><td>binary</td></tr>
 *   <tr><td>DATE</td><td>date32 (days)</td></tr>
 *   <tr><td>TIMESTAMP(p)</td><td>timestamp[ms | us | ns] for p ≤ 3 | ≤ 6 | ≤ 9, no time zone</td></tr>
 *   <tr><td>TIMESTAMP_LTZ(p)</td><td>timestamp[ms | us | ns, tz=UTC]</td></tr>
 *   <tr><td>ARRAY&lt;T&gt; (T any of these)</td><td>list&lt;item: T&gt;</td></tr>
 *   <tr><td>ARRAY&lt;FLOAT&gt; named as a tensor column</td><td>{@link FixedShapeTensorType} over float32</td></tr>
 * </table>
 *
 * Nullability follows the Flink type. Other types are refused with a {@link ValidationException}.
 */
public final class ArrowSchemas {

    /** Name of list element fields (pyarrow's default). */
    public static final String LIST_ITEM = "item";

    private ArrowSchemas() {}

    /** The Arrow schema rows of {@code type} are written with under {@code options}. */
    public static Schema toSchema(RowType type, ArrowWriteOptions options) {
        for (String column : options.tensorColumns()) {
            if (!type.getFieldNames().contains(column)) {
                throw new ValidationException(
                        "tensor column '" + column + "' is not a column of " + type.asSummaryString());
            }
        }
        List<Field> fields = new ArrayList<>();
        for (RowType.RowField f : type.getFields()) {
            FixedShapeTensorType tensor = options.tensorType(f.getName());
            fields.add(tensor != null ? tensorField(f.getName(), f.getType(), tensor) : toField(f.getName(), f.getType()));
        }
        return new Schema(fields);
    }

    private static Field tensorField(String name, LogicalType type, FixedShapeTensorType tensor) {
        if (!(type instanceof ArrayType array) || array.getElementType().getTypeRoot() != LogicalTypeRoot.FLOAT) {
            throw new ValidationException(
                    "tensor column '" + name + "' must be ARRAY<FLOAT>, it is " + type.asSummaryString());
        }
        return tensor.field(name, type.isNullable(), new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
    }

    /** The Arrow field of one Flink column (no tensors). */
    static Field toField(String name, LogicalType type) {
        if (type instanceof ArrayType array) {
            return new Field(name, new FieldType(type.isNullable(), ArrowType.List.INSTANCE, null),
                    List.of(toField(LIST_ITEM, array.getElementType())));
        }
        return new Field(name, new FieldType(type.isNullable(), scalarType(name, type), null), List.of());
    }

    private static ArrowType scalarType(String name, LogicalType type) {
        return switch (type.getTypeRoot()) {
            case BOOLEAN -> ArrowType.Bool.INSTANCE;
            case TINYINT -> new ArrowType.Int(8, true);
            case SMALLINT -> new ArrowType.Int(16, true);
            case INTEGER -> new ArrowType.Int(32, true);
            case BIGINT -> new ArrowType.Int(64, true);
            case FLOAT -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
            case DOUBLE -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
            case DECIMAL -> new ArrowType.Decimal(
                    ((DecimalType) type).getPrecision(), ((DecimalType) type).getScale(), 128);
            case CHAR, VARCHAR -> ArrowType.Utf8.INSTANCE;
            case BINARY, VARBINARY -> ArrowType.Binary.INSTANCE;
            case DATE -> new ArrowType.Date(DateUnit.DAY);
            case TIMESTAMP_WITHOUT_TIME_ZONE -> new ArrowType.Timestamp(timeUnit(((TimestampType) type).getPrecision()), null);
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE -> new ArrowType.Timestamp(
                    timeUnit(((LocalZonedTimestampType) type).getPrecision()), "UTC");
            default -> throw new ValidationException(
                    "the arrow format cannot write column '" + name + "' of type " + type.asSummaryString()
                            + " (supported: BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, CHAR, VARCHAR,"
                            + " BINARY, VARBINARY, DATE, TIMESTAMP, TIMESTAMP_LTZ and ARRAYs of them)");
        };
    }

    /** Arrow's timestamp unit for a Flink timestamp precision. */
    static TimeUnit timeUnit(int precision) {
        return precision <= 3 ? TimeUnit.MILLISECOND : precision <= 6 ? TimeUnit.MICROSECOND : TimeUnit.NANOSECOND;
    }
}

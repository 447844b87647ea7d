package io.flinkcumo.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.factories.Factory;
import org.apache.flink.table.factories.FactoryUtil;

import org.junit.jupiter.api.Test;

import java.util.Map;

/** 'format' = 'arrow' is discoverable and turns its options into write options. */
class ArrowFormatFactoryTest {

    @Test
    void isFoundByItsIdentifier() {
        Factory f = FactoryUtil.discoverFactory(getClass().getClassLoader(), Factory.class, "arrow");
        assertThat(f).isInstanceOf(ArrowFormatFactory.class);
    }

    @Test
    void readsBatchLimitsAndTensorColumns() {
        Configuration conf = new Configuration();
        conf.setString("batch-rows", "7");
        conf.setString("batch-bytes", "1mb");
        conf.set(ArrowFormatFactory.TENSOR_COLUMNS, Map.of("pixels", "3x336x336", "mask", "2x2"));
        ArrowWriteOptions options = ArrowFormatFactory.writeOptions(conf);
        assertThat(options.batchRows()).isEqualTo(7);
        assertThat(options.batchBytes()).isEqualTo(1 << 20);
        assertThat(options.tensorColumns()).containsExactlyInAnyOrder("pixels", "mask");
        assertThat(options.tensorType("pixels")).isEqualTo(new FixedShapeTensorType(3, 336, 336));

        ArrowWriteOptions defaults = ArrowFormatFactory.writeOptions(new Configuration());
        assertThat(defaults.batchRows()).isEqualTo(ArrowWriteOptions.DEFAULT_BATCH_ROWS);
        assertThat(defaults.tensorColumns()).isEmpty();
    }

    @Test
    void refusesMalformedTensorShapes() {
        Configuration conf = new Configuration();
        conf.setString("tensor-columns", "pixels:3*336*336");
        assertThatThrownBy(() -> ArrowFormatFactory.writeOptions(conf))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("arrow.tensor-columns entry 'pixels:3*336*336'");
    }
}

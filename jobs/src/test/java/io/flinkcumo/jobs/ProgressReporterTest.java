package io.flinkcumo.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressReporterTest {

    @Test
    void lineShowsDoneTotalRateAndEta() {
        assertThat(ProgressReporter.line("cumo caption", 12, 1, 40, 8.0))
                .isEqualTo("cumo caption: 12/40 rows (30%), 1 failed, 1.50 rows/s, ETA 0:19");
        assertThat(ProgressReporter.line("cumo caption", 40, 0, 40, 3725.0))
                .isEqualTo("cumo caption: 40/40 rows (100%), 0.01 rows/s, took 1:02:05");
        assertThat(ProgressReporter.line("x", 0, 0, 10, 0)).isEqualTo("x: 0/10 rows (0%), 0.00 rows/s, ETA ?");
        assertThat(ProgressReporter.line("x", 5, 0, 0, 10)).isEqualTo("x: 5 rows, 0.50 rows/s");
    }
}

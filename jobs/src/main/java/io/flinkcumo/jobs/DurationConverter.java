package io.flinkcumo.jobs;

import java.time.Duration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

/** Reads durations as Flink's options do: {@code 500ms}, {@code 10s}, {@code 2min}, {@code 1h}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return TimeUtils.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("expected a duration such as 500ms, 10s or 2min, got '" + value + "'");
        }
    }
}

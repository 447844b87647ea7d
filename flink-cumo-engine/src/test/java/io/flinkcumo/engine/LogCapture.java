package io.flinkcumo.engine;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures what the named loggers log (through SLF4J to Log4j 2, the backend Flink uses) at
 * {@code level} and above while open. Tests use it to check what users see in their logs.
 */
public final class LogCapture implements AutoCloseable {

    /** One captured event: level, logger, formatted message and whether it carries a stack trace. */
    public record Event(String level, String logger, String message, Throwable thrown) {}

    private final List<Event> events = new ArrayList<>();
    private final AbstractAppender appender;
    private final List<String> loggers;
    private final LoggerContext context;

    private LogCapture(Level level, List<String> loggers) {
        this.loggers = loggers;
        this.context = (LoggerContext) LogManager.getContext(false);
        this.appender = new AbstractAppender("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                synchronized (events) {
                    events.add(new Event(event.getLevel().name(), event.getLoggerName(),
                            event.getMessage().getFormattedMessage(), event.getThrown()));
                }
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        for (String name : loggers) {
            LoggerConfig logger = new LoggerConfig(name, level, false);
            logger.addAppender(appender, level, null);
            config.addLogger(name, logger);
        }
        context.updateLoggers();
    }

    /** Starts capturing {@code loggers} (names or prefixes) at {@code level} (e.g. "DEBUG") and above. */
    public static LogCapture of(String level, String... loggers) {
        return new LogCapture(Level.valueOf(level), List.of(loggers));
    }

    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    public List<Event> at(String level) {
        return events().stream().filter(e -> e.level().equals(level)).toList();
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        loggers.forEach(config::removeLogger);
        context.updateLoggers();
        appender.stop();
    }
}

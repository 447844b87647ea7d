package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoRuntimeOptions;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.functions.FunctionContext;

/**
 * Where a SQL function's CuMo options come from, first match wins:
 *
 * <ol>
 *   <li>the options it was created with: {@code LOAD MODULE cumo WITH (...)};
 *   <li>the table configuration, planning time: {@code SET 'cumo.model-path' = '...'};
 *   <li>the job parameters, at open time: {@code pipeline.global-job-parameters} with {@code
 *       cumo.model-path:...}, read through {@link FunctionContext#getJobParameter}.
 * </ol>
 *
 * <p>Keys in the table configuration and job parameters carry the {@value #PREFIX} prefix; the
 * options themselves are those of {@link CumoRuntimeOptions}. Immutable and serializable, so it
 * travels inside the function to the TaskManagers.
 */
final class FunctionOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The prefix of CuMo keys in the table configuration and the job parameters. */
    static final String PREFIX = "cumo.";

    /** Appended to an invalid-option error of a SQL function: where its options are set. */
    static final String WHERE_TO_SET = ". Set the options with LOAD MODULE cumo WITH ('model-path' = '...', ...), with"
            + " SET 'cumo.<option>' = '...' before the query, or as job parameters 'cumo.<option>'.";

    private final HashMap<String, String> options;

    private FunctionOptions(Map<String, String> options) {
        this.options = new HashMap<>(options);
    }

    /** Options given explicitly, e.g. by a module; keys without prefix. */
    static FunctionOptions of(Map<String, String> options) {
        return new FunctionOptions(options);
    }

    /** No explicit options: everything comes from the configuration or the job parameters. */
    static FunctionOptions none() {
        return new FunctionOptions(Map.of());
    }

    /** These options, completed with {@code cumo.*} keys of the table configuration. */
    FunctionOptions withTableConfig(ReadableConfig tableConfig) {
        return new FunctionOptions(complete(key -> tableConfig.getOptional(prefixed(key))));
    }

    /** These options, completed with {@code cumo.*} job parameters: what the function runs with. */
    Configuration resolve(FunctionContext context) {
        return Configuration.fromMap(complete(key -> Optional.ofNullable(context.getJobParameter(PREFIX + key, null))));
    }

    /** The options as given, for tests and {@code toString}. */
    Map<String, String> asMap() {
        return Map.copyOf(options);
    }

    private Map<String, String> complete(Function<String, Optional<String>> source) {
        Map<String, String> completed = new HashMap<>(options);
        for (String key : keys()) {
            if (!completed.containsKey(key)) {
                source.apply(key).ifPresent(value -> completed.put(key, value));
            }
        }
        return completed;
    }

    private static Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        CumoRuntimeOptions.requiredOptions().forEach(option -> keys.add(option.key()));
        CumoRuntimeOptions.optionalOptions().forEach(option -> keys.add(option.key()));
        return keys;
    }

    private static ConfigOption<String> prefixed(String key) {
        return ConfigOptions.key(PREFIX + key).stringType().noDefaultValue();
    }

    @Override
    public String toString() {
        return options.toString();
    }
}

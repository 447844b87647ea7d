package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoSettings;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Where a SQL function's CuMo options come from, first match wins:
 *
 * <ol>
 *   <li>the options it was created with: {@code LOAD MODULE cumo WITH (...)};
 *   <li>the table configuration: {@code SET 'cumo.model-path' = '...'};
 *   <li>the job parameters in the configuration: {@code pipeline.global-job-parameters} with {@code
 *       cumo.model-path:...}.
 * </ol>
 *
 * <p>All three are known when the planner specialises the function ({@link #withTableConfig}): the
 * options are parsed there, once, into {@link CumoSettings}, which travel inside the function to
 * the TaskManagers; {@code open()} only uses them. Keys in the table configuration and job
 * parameters carry the {@value #PREFIX} prefix; the options themselves are those of {@link
 * CumoRuntimeOptions}. Immutable and serializable.
 */
final class FunctionOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The prefix of CuMo keys in the table configuration and the job parameters. */
    static final String PREFIX = "cumo.";

    /** Appended to an invalid-option error of a SQL function: where its options are set. */
    static final String WHERE_TO_SET = ". Set the options with LOAD MODULE cumo WITH ('model-path' = '...', ...), with"
            + " SET 'cumo.<option>' = '...' before the query, or as job parameters 'cumo.<option>'.";

    private final HashMap<String, String> options;
    private final CumoSettings settings; // null until specialised

    private FunctionOptions(Map<String, String> options, CumoSettings settings) {
        this.options = new HashMap<>(options);
        this.settings = settings;
    }

    /** Options given explicitly, e.g. by a module; keys without prefix. */
    static FunctionOptions of(Map<String, String> options) {
        return new FunctionOptions(options, null);
    }

    /** No explicit options: everything comes from the configuration or the job parameters. */
    static FunctionOptions none() {
        return new FunctionOptions(Map.of(), null);
    }

    /**
     * These options, completed with the {@code cumo.*} keys of the table configuration and then of
     * its job parameters, parsed into the settings the function runs with.
     *
     * @throws IllegalArgumentException listing every invalid or missing option
     */
    FunctionOptions withTableConfig(ReadableConfig tableConfig) {
        Map<String, String> jobParameters = tableConfig.getOptional(PipelineOptions.GLOBAL_JOB_PARAMETERS).orElse(Map.of());
        Map<String, String> completed = complete(options, key -> tableConfig.getOptional(prefixed(key)));
        completed = complete(completed, key -> Optional.ofNullable(jobParameters.get(PREFIX + key)));
        return new FunctionOptions(options, CumoRuntimeOptions.settings(completed));
    }

    /**
     * The settings the function runs with.
     *
     * @throws IllegalStateException if the planner did not specialise the function
     */
    CumoSettings settings() {
        if (settings == null) {
            throw new IllegalStateException("the CuMo options were not resolved: the function was not specialised by"
                    + " the planner");
        }
        return settings;
    }

    /** The options as given, for tests and {@code toString}. */
    Map<String, String> asMap() {
        return Map.copyOf(options);
    }

    private static Map<String, String> complete(Map<String, String> options, Function<String, Optional<String>> source) {
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

package io.flinkcumo.udf;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.table.functions.FunctionDefinition;
import org.apache.flink.table.module.Module;

/**
 * {@code LOAD MODULE cumo WITH ('model-path' = '...', ...)}: registers CuMo's functions as system
 * functions, all running with the module's options: {@value CumoAnswerFunction#NAME}, {@value
 * CumoAnswerAsyncFunction#NAME}, {@value CumoCaptionFunction#NAME}, {@value
 * CumoAnswerDetailsFunction#NAME}, {@value CumoClassifyFunction#NAME} and {@value
 * CumoImageMessageFunction#NAME}. Created by {@link
 * CumoModuleFactory}.
 */
public final class CumoModule implements Module {

    private static final Map<String, Function<Map<String, String>, FunctionDefinition>> FUNCTIONS = Map.of(
            CumoAnswerFunction.NAME, CumoAnswerFunction::new,
            CumoAnswerAsyncFunction.NAME, CumoAnswerAsyncFunction::new,
            CumoCaptionFunction.NAME, CumoCaptionFunction::new,
            CumoAnswerDetailsFunction.NAME, CumoAnswerDetailsFunction::new,
            CumoClassifyFunction.NAME, CumoClassifyFunction::new,
            CumoImageMessageFunction.NAME, CumoImageMessageFunction::new);

    private final Map<String, String> options;

    /** @param options validated CuMo options, keys without prefix */
    public CumoModule(Map<String, String> options) {
        this.options = Map.copyOf(options);
    }

    @Override
    public Set<String> listFunctions() {
        return FUNCTIONS.keySet();
    }

    @Override
    public Optional<FunctionDefinition> getFunctionDefinition(String name) {
        return Optional.ofNullable(FUNCTIONS.get(name.toLowerCase(Locale.ROOT))).map(create -> create.apply(options));
    }
}

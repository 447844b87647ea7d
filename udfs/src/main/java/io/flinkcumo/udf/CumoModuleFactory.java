package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoRuntimeOptions;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModuleFactory;
import org.apache.flink.table.module.Module;

/**
 * Creates {@link CumoModule} for {@code LOAD MODULE cumo WITH (...)}. {@code model-path} is
 * required; unknown keys and invalid values are refused when the module is loaded, with every
 * problem listed.
 */
public final class CumoModuleFactory implements ModuleFactory {

    /** The module name in {@code LOAD MODULE}. */
    public static final String IDENTIFIER = "cumo";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return CumoRuntimeOptions.requiredOptions();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return CumoRuntimeOptions.optionalOptions();
    }

    @Override
    public Module createModule(Context context) {
        FactoryUtil.ModuleFactoryHelper helper = FactoryUtil.createModuleFactoryHelper(this, context);
        helper.validate();
        CumoRuntimeOptions.validate(helper.getOptions());
        return new CumoModule(context.getOptions());
    }
}

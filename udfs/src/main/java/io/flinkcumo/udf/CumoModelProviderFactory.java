package io.flinkcumo.udf;

import io.flinkcumo.runtime.CumoRuntimeOptions;
import io.flinkcumo.runtime.core.CumoSettings;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

/**
 * The {@code 'provider' = 'cumo'} of {@code CREATE MODEL}, for {@code ML_PREDICT} in batch and
 * streaming jobs:
 *
 * <pre>{@code
 * CREATE MODEL cumo INPUT (image BYTES, question STRING) OUTPUT (answer STRING, error STRING)
 * WITH ('provider' = 'cumo', 'model-path' = '/models/CuMo-mistral-7b', 'error-handling' = 'error-column');
 * SELECT id, answer, error FROM ML_PREDICT(TABLE photos, MODEL cumo, DESCRIPTOR(image, question));
 * }</pre>
 *
 * <p>Options are those of {@link CumoRuntimeOptions}; unknown keys, invalid values and unsupported
 * columns ({@link CumoModelSchema}) are refused with every problem named. The options are parsed
 * here, once, into the {@link CumoSettings} the predict functions carry to the TaskManagers. The provider offers both
 * a synchronous and an asynchronous function; ML_PREDICT picks the async one unless the query says
 * {@code MAP['async', 'false']}.
 */
public final class CumoModelProviderFactory implements ModelProviderFactory {

    /** The value of {@code 'provider'}. */
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
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        String model = context.getObjectIdentifier().asSummaryString();
        CumoSettings settings;
        try {
            settings = CumoRuntimeOptions.settings(options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CuMo model " + model + ": " + e.getMessage(), e);
        }
        ResolvedCatalogModel catalogModel = context.getCatalogModel();
        CumoModelSchema schema = CumoModelSchema.of(
                model,
                catalogModel.getResolvedInputSchema(),
                catalogModel.getResolvedOutputSchema(),
                settings.errorHandling());
        return new CumoModelProvider(model, settings, schema);
    }
}

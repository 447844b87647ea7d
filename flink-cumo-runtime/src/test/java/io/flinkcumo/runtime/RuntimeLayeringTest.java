package io.flinkcumo.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Keeps the runtime core (registry, batcher, device choice) Flink-free so it can be reused and
 * tested without Flink; only the named adapters touch Flink.
 */
class RuntimeLayeringTest {

    private static final Set<Class<?>> FLINK_ADAPTERS =
            Set.of(
                    CumoRuntimeOptions.class,
                    FlinkDevices.class,
                    CumoMetrics.class,
                    WindowHistogram.class,
                    CumoClient.class,
                    CumoClientHolder.class,
                    DjlPlacement.class,
                    CumoAsyncFunction.class,
                    FlinkRemoteFiles.class);

    @Test
    void onlyTheAdaptersDependOnFlink() {
        JavaClasses runtime =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("io.flinkcumo.runtime");
        noClasses()
                .that()
                .resideInAPackage("io.flinkcumo.runtime")
                .and(notAnAdapter())
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.flink..")
                .because("the runtime core must stay usable and testable without Flink")
                .check(runtime);
    }

    private static DescribedPredicate<JavaClass> notAnAdapter() {
        return DescribedPredicate.describe(
                "are not Flink adapters",
                javaClass ->
                        FLINK_ADAPTERS.stream()
                                .noneMatch(adapter -> javaClass.getName().startsWith(adapter.getName())));
    }
}

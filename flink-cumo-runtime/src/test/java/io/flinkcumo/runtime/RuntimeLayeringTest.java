package io.flinkcumo.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The runtime's layering as a package rule: {@code io.flinkcumo.runtime.core} (registry, batchers,
 * service, settings, device choice, request building, error policy) is Flink-free and does not
 * reach up into {@code io.flinkcumo.runtime}, whose classes are the Flink adapters (options,
 * client, metrics, the DataStream function, Flink's file systems and devices).
 */
class RuntimeLayeringTest {

    private static final JavaClasses RUNTIME = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.flinkcumo.runtime");

    @Test
    void theCoreDependsNeitherOnFlinkNorOnTheAdapters() {
        noClasses()
                .that()
                .resideInAPackage("io.flinkcumo.runtime.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "io.flinkcumo.runtime")
                .because("the runtime core must stay usable and testable without Flink")
                .check(RUNTIME);
    }

    @Test
    void theRuntimePackageHoldsOnlyFlinkAdapters() {
        classes()
                .that()
                .resideInAPackage("io.flinkcumo.runtime")
                .and()
                .areTopLevelClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.flink..")
                .because("a Flink-free class belongs in io.flinkcumo.runtime.core")
                .check(RUNTIME);
    }
}

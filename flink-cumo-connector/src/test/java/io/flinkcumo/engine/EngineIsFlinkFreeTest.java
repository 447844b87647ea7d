package io.flinkcumo.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.Test;

/** The model core must be usable, testable and benchmarkable without Flink on the classpath. */
class EngineIsFlinkFreeTest {

    @Test
    void engineDoesNotDependOnFlink() {
        JavaClasses engine = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.flinkcumo.engine");
        noClasses()
                .that().resideInAPackage("io.flinkcumo.engine..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.flink..")
                .because("the CuMo engine is tested and benchmarked alone")
                .check(engine);
    }
}

package io.flinkcumo.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.Test;

/**
 * The model core must be usable, testable and benchmarkable without Flink on the classpath, and
 * without Arrow (Arrow buffers reach it as plain direct {@link java.nio.ByteBuffer}s in an
 * {@link ImageBatch}).
 */
class EngineIsFlinkFreeTest {

    private static JavaClasses engine() {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.flinkcumo.engine");
    }

    @Test
    void engineDoesNotDependOnArrow() {
        noClasses()
                .that().resideInAPackage("io.flinkcumo.engine..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.arrow..")
                .orShould().dependOnClassesThat().resideInAPackage("io.flinkcumo.arrow..")
                .because("Arrow is one way to feed the engine, kept in io.flinkcumo.arrow")
                .check(engine());
    }

    @Test
    void engineDoesNotDependOnFlink() {
        JavaClasses engine = engine();
        noClasses()
                .that().resideInAPackage("io.flinkcumo.engine..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.flink..")
                .because("the CuMo engine is tested and benchmarked alone")
                .check(engine);
    }
}

package org.symile.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure README's module table describes, as rules on the compiled main classes of all three
 * modules: no package depends on another that depends back on it, and the application's layers only look down
 * (CLI → tools → Spark → the experiment registry → the experiments → the runner → training → the engines →
 * memory, runtime and the run specification).
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // the libraries come as jars or class directories, depending on how Maven resolved the reactor
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.symile");
    }

    @Test
    void importedEveryModule() {
        for (String c : new String[] {"org.symile.app.SymileCli", "org.symile.data.NpyFile",
                "org.symile.samediff.SymileLoss"}) {
            if (!classes.contain(c)) {
                throw new AssertionError("not imported: " + c + " (the rules below would check nothing)");
            }
        }
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.symile.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void applicationLayersOnlyLookDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("org.symile.app", "org.symile.app.cli..")
                .layer("tools").definedBy("org.symile.app.sweep..", "org.symile.app.bench..",
                        "org.symile.app.examples..", "org.symile.app.inspect..", "org.symile.app.inference..")
                .layer("spark").definedBy("org.symile.app.spark..")
                .layer("registry").definedBy("org.symile.app.experiments")
                .layer("experiments").definedBy("org.symile.app.experiments.xor..", "org.symile.app.experiments.m3..",
                        "org.symile.app.experiments.mimic..")
                .layer("runner").definedBy("org.symile.app.run..", "org.symile.app.ui..")
                .layer("engines").definedBy("org.symile.app.train.samediff..", "org.symile.app.train.dl4j..")
                .layer("training").definedBy("org.symile.app.train")
                .layer("base").definedBy("org.symile.app.memory..", "org.symile.app.runtime..",
                        "org.symile.app.spec..", "org.symile.app.selfcheck..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("tools").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("spark").mayOnlyBeAccessedByLayers("cli", "tools")
                .whereLayer("registry").mayOnlyBeAccessedByLayers("cli", "tools", "spark")
                .whereLayer("experiments").mayOnlyBeAccessedByLayers("cli", "tools", "spark", "registry")
                .whereLayer("runner").mayOnlyBeAccessedByLayers("cli", "tools", "spark", "registry", "experiments")
                .whereLayer("engines").mayOnlyBeAccessedByLayers("cli", "tools", "spark", "registry", "experiments")
                .whereLayer("training").mayOnlyBeAccessedByLayers("cli", "tools", "spark", "registry", "experiments",
                        "runner", "engines")
                .check(classes);
    }

    @Test
    void theLibrariesNeverReachTheApplicationNorEachOther() {
        noClasses().that().resideInAPackage("org.symile.samediff..").should().dependOnClassesThat()
                .resideInAnyPackage("org.symile.app..", "org.symile.data..").check(classes);
        noClasses().that().resideInAPackage("org.symile.data..").should().dependOnClassesThat()
                .resideInAnyPackage("org.symile.app..", "org.symile.samediff..").check(classes);
    }

    @Test
    void onlyTheApplicationLogsThroughLogbackOrPrintsToStdout() {
        noClasses().that().resideInAnyPackage("org.symile.samediff..", "org.symile.data..").should()
                .dependOnClassesThat().resideInAPackage("ch.qos.logback..").check(classes);
        noClasses().that().resideInAnyPackage("org.symile.samediff..", "org.symile.data..").should()
                .accessField(System.class, "out").check(classes);
    }
}

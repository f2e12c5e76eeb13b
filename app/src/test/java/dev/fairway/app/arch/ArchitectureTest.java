package dev.fairway.app.arch;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.fairway.api.archfixture.ApiUsingProvider;
import dev.fairway.core.archfixture.CoreUsingApp;
import dev.fairway.core.archfixture.CoreUsingMicronaut;
import dev.fairway.core.archfixture.CoreUsingTestSupport;
import dev.fairway.core.archfixture.CycleA;
import dev.fairway.provider.archfixture.CycleB;
import dev.fairway.provider.archfixture.ProviderUsingCore;
import dev.fairway.provider.support.archfixture.ProviderSupportUsingProvider;
import dev.fairway.test.archfixture.TestSupportUsingCore;
import dev.fairway.transport.archfixture.TransportUsingProviderSupport;
import dev.fairway.transport.archfixture.TransportUsingSdk;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module rule of docs/design.md: the API knows no implementation, cores know only the API, plugins
 * know only the API (and their own libraries; providers also provider-support, which knows only the
 * API), test-support is known by tests only, only the app knows Micronaut, Commons Configuration
 * and the OpenTelemetry SDK, and no two modules depend on each other. Each rule is checked against
 * every Fairway module's real classes and, as a negative control, against a fixture that breaks it.
 */
class ArchitectureTest {

    private static final String[] APP_ONLY_LIBRARIES = {
        "io.micronaut..", "org.apache.commons.configuration2..", "io.opentelemetry.sdk..", "picocli.."};

    static final ArchRule API_DEPENDS_ON_NO_OTHER_MODULE = classes()
            .that().resideInAPackage("dev.fairway.api..")
            .should(dependOnNoFairwayModuleBut())
            .because("the API knows nothing of implementations");

    static final ArchRule CORES_DEPEND_ONLY_ON_API = classes()
            .that().resideInAPackage("dev.fairway.core..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax..", "jdk..",
                    "dev.fairway.api..", "dev.fairway.core..", "io.opentelemetry.api..", "io.opentelemetry.context..")
            .andShould(dependOnNoFairwayModuleBut("dev.fairway.api"))
            .allowEmptyShould(true)
            .because("cores know only the API, the JDK and the OpenTelemetry API: no providers, transports,"
                    + " configuration files or DI");

    static final ArchRule PROVIDERS_DEPEND_ONLY_ON_API_AND_PROVIDER_SUPPORT = classes()
            .that().resideInAPackage("dev.fairway.provider..")
            .should(dependOnNoFairwayModuleBut("dev.fairway.api", "dev.fairway.provider.support"))
            .allowEmptyShould(true)
            .because("providers know only the API and the helpers HTTP providers share (and their own libraries)");

    static final ArchRule PROVIDER_SUPPORT_DEPENDS_ONLY_ON_API = classes()
            .that().resideInAPackage("dev.fairway.provider.support..")
            .should(dependOnNoFairwayModuleBut("dev.fairway.api"))
            .allowEmptyShould(true)
            .because("provider-support serves every provider and may know none of them");

    static final ArchRule TRANSPORTS_DEPEND_ONLY_ON_API = classes()
            .that().resideInAPackage("dev.fairway.transport..")
            .should(dependOnNoFairwayModuleBut("dev.fairway.api"))
            .allowEmptyShould(true)
            .because("transports know only the API (and their own libraries)");

    static final ArchRule CONSOLE_DEPENDS_ONLY_ON_API = classes()
            .that().resideInAPackage("dev.fairway.console..")
            .should(dependOnNoFairwayModuleBut("dev.fairway.api"))
            .allowEmptyShould(true)
            .because("the browser pages are WebContent of the API: the transport serves them, they know no transport");

    static final ArchRule TEST_SUPPORT_DEPENDS_ONLY_ON_API = classes()
            .that().resideInAPackage("dev.fairway.test..")
            .should(dependOnNoFairwayModuleBut("dev.fairway.api"))
            .allowEmptyShould(true)
            .because("test-support is shared by every module's tests and may know none of them");

    static final ArchRule TEST_SUPPORT_ONLY_IN_TESTS = noClasses()
            .that().resideOutsideOfPackages("dev.fairway.test..", "dev.fairway.provider.tck..",
                    "dev.fairway.limiter.tck..")
            .should().dependOnClassesThat().resideInAPackage("dev.fairway.test..")
            .because("test-support is a test-scope library: only tests and the provider and limiter kits, test"
                    + " libraries themselves, may use it");

    static final ArchRule LIMITER_STORES_DEPEND_ONLY_ON_API_AND_CORE_LIMITER = classes()
            .that().resideInAPackage("dev.fairway.limiter..")
            // test-support is for the limiter kit's clock: TEST_SUPPORT_ONLY_IN_TESTS keeps it out of the stores.
            .should(dependOnNoFairwayModuleBut("dev.fairway.api", "dev.fairway.core.limiter", "dev.fairway.test.support"))
            .allowEmptyShould(true)
            .because("a limiter store builds on the API and core-limiter only (docs/design.md's module table)");

    static final ArchRule APP_NAMES_NO_LIMITER_STORE = noClasses()
            .that().resideInAPackage("dev.fairway.app..")
            .should().dependOnClassesThat().resideInAPackage("dev.fairway.limiter..")
            .because("rate limiter stores are plugins the app finds with ServiceLoader by name"
                    + " (fairway.limiter.store); it names none of their classes");

    /** The libraries each session module may use besides the JDK, the API and the OpenTelemetry API. */
    private static final Map<String, List<String>> SESSION_MODULE_LIBRARIES = Map.of(
            "dev.fairway.session.store", List.of(),
            "dev.fairway.session.sqlite", List.of("org.sqlite"),
            "dev.fairway.session.redis", List.of("io.lettuce", "io.netty", "reactor", "org.reactivestreams"),
            "dev.fairway.session.tck", List.of("org.junit", "org.opentest4j", "org.apiguardian"));

    static final ArchRule SESSION_MODULES_DEPEND_ONLY_ON_API = classes()
            .that().resideInAPackage("dev.fairway.session..")
            .should(dependOnNoFairwayModuleBut("dev.fairway.api"))
            .allowEmptyShould(true)
            .because("a session store (and the session contract kit) builds on the API only");

    static final ArchRule SESSION_STORES_USE_ONLY_THEIR_DRIVER = classes()
            .that().resideInAPackage("dev.fairway.session..")
            .should(useOnlyTheJdkTheApiAndTheirOwnLibraries())
            .allowEmptyShould(true)
            .because("a session store uses its driver only (sqlite-jdbc, Lettuce), the kit only JUnit");

    static final ArchRule SESSION_TCK_ONLY_IN_TESTS = noClasses()
            .that().resideOutsideOfPackage("dev.fairway.session.tck..")
            .should().dependOnClassesThat().resideInAPackage("dev.fairway.session.tck..")
            .because("the session contract kit is a test library: stores use it in their tests only");

    static final ArchRule APP_NAMES_NO_SESSION_STORE = noClasses()
            .that().resideInAPackage("dev.fairway.app..")
            .should().dependOnClassesThat().resideInAPackage("dev.fairway.session..")
            .because("session stores are plugins the app finds with ServiceLoader by name"
                    + " (fairway.session.store); it names none of their classes");

    static final ArchRule FRAMEWORKS_ONLY_IN_APP = noClasses()
            .that().resideOutsideOfPackage("dev.fairway.app..")
            .should().dependOnClassesThat().resideInAnyPackage(APP_ONLY_LIBRARIES)
            .because("only the composition root knows Micronaut, Commons Configuration, picocli and the"
                    + " OpenTelemetry SDK");

    static final ArchRule NO_CYCLES_BETWEEN_MODULES = slices()
            .assignedFrom(new SliceAssignment() {
                @Override
                public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                    String pkg = javaClass.getPackageName();
                    return pkg.startsWith("dev.fairway.")
                            ? SliceIdentifier.of(FairwayModules.moduleOf(pkg)) : SliceIdentifier.ignore();
                }

                @Override
                public String getDescription() {
                    return "Fairway modules";
                }
            })
            .should().beFreeOfCycles()
            .because("modules form a layered graph");

    private static JavaClasses fairway;

    @BeforeAll
    static void importEveryFairwayModule() throws IOException {
        // Rules look at package names only: importing the referenced libraries' classes would only cost time.
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        List<Location> locations = new ArrayList<>();
        for (ModuleReference module : FairwayModules.all()) {
            Path path = Path.of(module.location().orElseThrow());
            locations.add(Files.isDirectory(path) ? Location.of(path) : Location.of(new JarFile(path.toFile())));
        }
        fairway = new ClassFileImporter()
                .withImportOption(location -> !location.contains("module-info"))
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importLocations(locations);
    }

    private static ArchCondition<JavaClass> dependOnNoFairwayModuleBut(String... allowedModules) {
        Set<String> allowed = Set.of(allowedModules);
        String description = allowed.isEmpty() ? "depend on no other Fairway module"
                : "depend on no Fairway module but their own and " + new TreeSet<>(allowed);
        return new ArchCondition<>(description) {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                String own = FairwayModules.moduleOf(item.getPackageName());
                for (Dependency dependency : item.getDirectDependenciesFromSelf()) {
                    String target = dependency.getTargetClass().getBaseComponentType().getPackageName();
                    if (!target.startsWith("dev.fairway.")) {
                        continue;
                    }
                    String module = FairwayModules.moduleOf(target);
                    if (!module.equals(own) && !allowed.contains(module)) {
                        events.add(SimpleConditionEvent.violated(dependency,
                                dependency.getDescription() + " (module " + own + " -> " + module + ")"));
                    }
                }
            }
        };
    }

    private static ArchCondition<JavaClass> useOnlyTheJdkTheApiAndTheirOwnLibraries() {
        return new ArchCondition<>("use only the JDK, the API, the OpenTelemetry API and their own libraries") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                String own = FairwayModules.moduleOf(item.getPackageName());
                List<String> allowed = new ArrayList<>(List.of("java.", "javax.", "jdk.", "dev.fairway.api.",
                        "dev.fairway.session.", "io.opentelemetry.api.", "io.opentelemetry.context."));
                SESSION_MODULE_LIBRARIES.getOrDefault(own, List.of()).forEach(p -> allowed.add(p + "."));
                for (Dependency dependency : item.getDirectDependenciesFromSelf()) {
                    String target = dependency.getTargetClass().getBaseComponentType().getPackageName() + ".";
                    if (dependency.getTargetClass().getBaseComponentType().isPrimitive()
                            || allowed.stream().anyMatch(target::startsWith)) {
                        continue;
                    }
                    events.add(SimpleConditionEvent.violated(dependency,
                            dependency.getDescription() + " (module " + own + " may use " + allowed + ")"));
                }
            }
        };
    }

    static Stream<Arguments> rulesWithTheFixtureThatBreaksThem() {
        return Stream.of(
                Arguments.of("api", API_DEPENDS_ON_NO_OTHER_MODULE, List.of(ApiUsingProvider.class),
                        ApiUsingProvider.class),
                Arguments.of("cores", CORES_DEPEND_ONLY_ON_API, List.of(CoreUsingApp.class), CoreUsingApp.class),
                Arguments.of("cores (libraries)", CORES_DEPEND_ONLY_ON_API, List.of(CoreUsingMicronaut.class),
                        CoreUsingMicronaut.class),
                Arguments.of("providers", PROVIDERS_DEPEND_ONLY_ON_API_AND_PROVIDER_SUPPORT,
                        List.of(ProviderUsingCore.class), ProviderUsingCore.class),
                Arguments.of("provider-support", PROVIDER_SUPPORT_DEPENDS_ONLY_ON_API,
                        List.of(ProviderSupportUsingProvider.class), ProviderSupportUsingProvider.class),
                Arguments.of("transports", TRANSPORTS_DEPEND_ONLY_ON_API, List.of(TransportUsingProviderSupport.class),
                        TransportUsingProviderSupport.class),
                Arguments.of("console", CONSOLE_DEPENDS_ONLY_ON_API,
                        List.of(dev.fairway.console.archfixture.ConsoleUsingTransport.class),
                        dev.fairway.console.archfixture.ConsoleUsingTransport.class),
                Arguments.of("test-support", TEST_SUPPORT_DEPENDS_ONLY_ON_API, List.of(TestSupportUsingCore.class),
                        TestSupportUsingCore.class),
                Arguments.of("test-support in main code", TEST_SUPPORT_ONLY_IN_TESTS,
                        List.of(CoreUsingTestSupport.class), CoreUsingTestSupport.class),
                Arguments.of("limiter stores", LIMITER_STORES_DEPEND_ONLY_ON_API_AND_CORE_LIMITER,
                        List.of(dev.fairway.limiter.archfixture.LimiterUsingQueue.class),
                        dev.fairway.limiter.archfixture.LimiterUsingQueue.class),
                Arguments.of("app names no limiter store", APP_NAMES_NO_LIMITER_STORE,
                        List.of(dev.fairway.app.archfixture.AppUsingLimiterStore.class),
                        dev.fairway.app.archfixture.AppUsingLimiterStore.class),
                Arguments.of("session stores", SESSION_MODULES_DEPEND_ONLY_ON_API,
                        List.of(dev.fairway.session.archfixture.SessionStoreUsingQueue.class),
                        dev.fairway.session.archfixture.SessionStoreUsingQueue.class),
                Arguments.of("session stores (libraries)", SESSION_STORES_USE_ONLY_THEIR_DRIVER,
                        List.of(dev.fairway.session.archfixture.SessionStoreUsingJackson.class),
                        dev.fairway.session.archfixture.SessionStoreUsingJackson.class),
                Arguments.of("session kit in main code", SESSION_TCK_ONLY_IN_TESTS,
                        List.of(dev.fairway.core.archfixture.CoreUsingSessionTck.class),
                        dev.fairway.core.archfixture.CoreUsingSessionTck.class),
                Arguments.of("app names no session store", APP_NAMES_NO_SESSION_STORE,
                        List.of(dev.fairway.app.archfixture.AppUsingSessionStore.class),
                        dev.fairway.app.archfixture.AppUsingSessionStore.class),
                Arguments.of("frameworks", FRAMEWORKS_ONLY_IN_APP, List.of(TransportUsingSdk.class),
                        TransportUsingSdk.class),
                Arguments.of("frameworks (core)", FRAMEWORKS_ONLY_IN_APP, List.of(CoreUsingMicronaut.class),
                        CoreUsingMicronaut.class),
                Arguments.of("cycles", NO_CYCLES_BETWEEN_MODULES, List.of(CycleA.class, CycleB.class), CycleA.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rulesWithTheFixtureThatBreaksThem")
    void everyRuleHoldsForTheRealModules(String name, ArchRule rule) {
        EvaluationResult result = rule.evaluate(fairway);

        assertFalse(result.hasViolation(), () -> result.getFailureReport().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rulesWithTheFixtureThatBreaksThem")
    void everyRuleReportsAForbiddenDependency(String name, ArchRule rule, List<Class<?>> fixtures,
            Class<?> offender) {
        EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(fixtures));

        assertTrue(result.hasViolation(), name + " did not catch " + offender.getName());
        String report = result.getFailureReport().toString();
        assertTrue(report.contains(rule.getDescription()), report);
        assertTrue(report.contains(offender.getName()), report);
    }

    @Test
    void everyFairwayModuleIsImported() {
        Set<String> modules = fairway.stream()
                .map(c -> FairwayModules.moduleOf(c.getPackageName()))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> found = FairwayModules.all().stream().map(r -> r.descriptor().name())
                .collect(Collectors.toCollection(TreeSet::new));

        assertTrue(found.containsAll(Set.of("dev.fairway.api", "dev.fairway.app", "dev.fairway.console",
                "dev.fairway.core.limiter",
                "dev.fairway.core.queue", "dev.fairway.limiter.redis", "dev.fairway.limiter.tck",
                "dev.fairway.provider.anthropic", "dev.fairway.provider.fake", "dev.fairway.provider.openai",
                "dev.fairway.provider.support", "dev.fairway.session.redis", "dev.fairway.session.sqlite",
                "dev.fairway.session.store", "dev.fairway.session.tck",
                "dev.fairway.transport.websocket")), found.toString());
        assertTrue(modules.containsAll(Set.of("dev.fairway.api", "dev.fairway.app", "dev.fairway.provider.fake")),
                modules.toString());
        assertFalse(fairway.contain(CoreUsingApp.class), "fixtures are not part of the real modules");
    }
}

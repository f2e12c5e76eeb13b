package dev.fairway.app.wiring;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.app.cli.Cli;
import dev.fairway.app.cli.Launch;
import dev.fairway.app.cli.ShutdownSignal;
import dev.fairway.app.config.StartupException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plugin jars dropped into a plugins directory: the out-of-tree example provider
 * ({@code examples/provider-echo}), compiled here from its sources against the API module, and broken jars,
 * each of which must stop start-up with one line naming the jar.
 */
class PluginsDirectoryTest {

    /** Surefire runs in the module's directory, {@code app/}. */
    private static final Path EXAMPLE = Path.of("..", "examples", "provider-echo", "src", "main")
            .toAbsolutePath().normalize();
    private static final String ECHO = "com.example.fairway.echo";

    /** Classes of every module compiled for these tests, one directory per module. */
    @TempDir
    static Path compiled;

    @BeforeAll
    static void compileTheModules(@TempDir Path sources) throws IOException {
        copyTree(EXAMPLE.resolve("java"), sources.resolve(ECHO));
        writeModule(sources, "example.lib", Map.of(
                "module-info.java", "module example.lib { exports example.lib; }",
                "example/lib/Lib.java", "package example.lib; public final class Lib { }"));
        writeModule(sources, "example.needy", Map.of(
                "module-info.java", """
                        module example.needy {
                            requires dev.fairway.api;
                            requires example.lib;
                            provides dev.fairway.api.spi.TranslationProviderFactory with example.needy.Factory;
                        }""",
                "example/needy/Factory.java", factory("example.needy", "needy", "")));
        writeModule(sources, "example.throwing", Map.of(
                "module-info.java", """
                        module example.throwing {
                            requires dev.fairway.api;
                            provides dev.fairway.api.spi.TranslationProviderFactory with example.throwing.Factory;
                        }""",
                "example/throwing/Factory.java", factory("example.throwing", "throwing",
                        "public Factory() { throw new IllegalStateException(\"no licence key in the environment\"); }")));
        writeModule(sources, "example.impostor", Map.of(
                "module-info.java", """
                        module example.impostor {
                            requires dev.fairway.api;
                            provides dev.fairway.api.spi.TranslationProviderFactory with example.impostor.Factory;
                        }""",
                "example/impostor/Factory.java", factory("example.impostor", "fake", "")));

        String modulePath = ModuleLayer.boot().configuration().modules().stream()
                .map(ResolvedModule::reference)
                .flatMap(reference -> reference.location().stream())
                .filter(location -> location.getScheme().equals("file"))
                .map(location -> Path.of(location).toString())
                .collect(Collectors.joining(java.io.File.pathSeparator));
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new IllegalStateException(
                "no javac in this JVM (jdk.compiler): the test needs a JDK"));
        StringWriter output = new StringWriter();
        int code = javac.run(new PrintWriter(output), new PrintWriter(output), "--release", "21",
                "--module-source-path", sources.toString(), "--module-path", modulePath, "-d", compiled.toString(),
                "--module", String.join(",", ECHO, "example.lib", "example.needy", "example.throwing",
                        "example.impostor"));
        assertEquals(0, code, "javac failed:\n" + output);
    }

    @Test
    void exampleProviderInThePluginsDirectoryIsFoundAndTranslates(@TempDir Path plugins) throws Exception {
        Path jar = jar(plugins.resolve("provider-echo-1.0.0.jar"), ECHO, true);

        Plugins found = Plugins.discover(plugins);

        TranslationProviderFactory echo = found.provider("echo");
        assertEquals(jar.toString(), found.origin(echo));
        assertEquals(Plugins.MODULE_PATH, found.origin(found.provider("fake")));
        assertEquals(List.of("anthropic", "echo", "fake", "openai"),
                found.providers().stream().map(TranslationProviderFactory::name).toList());
        assertEquals(ECHO, echo.getClass().getModule().getName());
        try (TranslationProvider provider = echo.create(ProviderContext.of(PluginConfig.empty("fairway.provider.echo")))) {
            TranslationRequest request = new TranslationRequest(SessionId.of("s1"), SegmentKind.FINAL, 1, "Hello",
                    "en", "es", 50);
            assertEquals("[es] Hello", provider.translate(request).text());
        }
    }

    @Test
    void jarWithoutModuleInfoIsAnAutomaticModuleFoundThroughItsServicesFile(@TempDir Path plugins) throws Exception {
        Path jar = jar(plugins.resolve("echo-plain.jar"), ECHO, false);

        Plugins found = Plugins.discover(plugins);

        TranslationProviderFactory echo = found.provider("echo");
        assertEquals(jar.toString(), found.origin(echo));
        assertEquals("echo.plain", echo.getClass().getModule().getName());
        assertTrue(echo.getClass().getModule().getDescriptor().isAutomatic());
    }

    @Test
    void filesThatAreNotJarsAreLeftAlone(@TempDir Path plugins) throws Exception {
        Files.writeString(plugins.resolve("README.txt"), "Drop plugin jars here.\n");

        Plugins found = Plugins.discover(plugins);

        assertEquals(List.of("anthropic", "fake", "openai"),
                found.providers().stream().map(TranslationProviderFactory::name).toList());
    }

    @Test
    void fileThatIsNotAJarIsNamedWithTheReason(@TempDir Path plugins) throws Exception {
        Path broken = Files.writeString(plugins.resolve("broken.jar"), "not a zip file\n");

        StartupException e = assertThrows(StartupException.class, () -> Plugins.discover(plugins));

        assertOneLineStartingWith("plugin " + broken + " cannot be read as a module: zip END header not found", e);
    }

    @Test
    void twoJarsHoldingOneModuleAreNamedBoth(@TempDir Path plugins) throws Exception {
        jar(plugins.resolve("echo-a.jar"), ECHO, true);
        Path second = jar(plugins.resolve("echo-b.jar"), ECHO, true);

        StartupException e = assertThrows(StartupException.class, () -> Plugins.discover(plugins));

        assertOneLineStartingWith("plugin " + second + " holds module " + ECHO + ", as echo-a.jar does: keep one of"
                + " the two", e);
    }

    @Test
    void jarHoldingAModuleOfTheApplicationIsRefused(@TempDir Path plugins) throws Exception {
        // An automatic module named after its file: a copy of the API dropped into the plugins directory.
        Path copy = plugins.resolve("dev.fairway.api.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(copy), manifest())) {
            out.putNextEntry(new JarEntry("readme.txt"));
            out.write("a copy\n".getBytes(StandardCharsets.UTF_8));
        }

        StartupException e = assertThrows(StartupException.class, () -> Plugins.discover(plugins));

        assertOneLineStartingWith("plugin " + copy + " holds module dev.fairway.api, which the application already"
                + " has on its module path", e);
    }

    @Test
    void moduleThatDoesNotResolveIsNamedWithTheMissingModule(@TempDir Path plugins) throws Exception {
        Path needy = jar(plugins.resolve("needy.jar"), "example.needy", true);

        StartupException e = assertThrows(StartupException.class, () -> Plugins.discover(plugins));

        assertOneLineStartingWith("plugin " + needy + " (module example.needy) cannot be resolved: ", e);
        assertTrue(e.getMessage().contains("example.lib"), e.getMessage());
    }

    @Test
    void moduleResolvesWithItsLibraryBesideIt(@TempDir Path plugins) throws Exception {
        jar(plugins.resolve("needy.jar"), "example.needy", true);
        Path lib = jar(plugins.resolve("lib.jar"), "example.lib", true);

        Plugins found = Plugins.discover(plugins);

        assertEquals(plugins.resolve("needy.jar").toString(), found.origin(found.provider("needy")));
        assertTrue(Files.exists(lib));
    }

    @Test
    void factoryThatCannotBeCreatedIsNamedWithItsJar(@TempDir Path plugins) throws Exception {
        Path throwing = jar(plugins.resolve("throwing.jar"), "example.throwing", true);

        StartupException e = assertThrows(StartupException.class, () -> Plugins.discover(plugins));

        assertOneLineStartingWith("plugin " + throwing + ": its TranslationProviderFactory example.throwing.Factory"
                + " cannot be created: no licence key in the environment", e);
    }

    @Test
    void pluginNamedLikeAShippedOneIsRefusedNamingBoth(@TempDir Path plugins) throws Exception {
        Path impostor = jar(plugins.resolve("impostor.jar"), "example.impostor", true);

        StartupException e = assertThrows(StartupException.class, () -> Plugins.discover(plugins));

        assertOneLineStartingWith("two translation provider plugins are named 'fake': "
                + "dev.fairway.provider.fake.FakeProviderFactory (module path) and example.impostor.Factory ("
                + impostor + ")", e);
    }

    @Test
    void providersCommandNamesThePluginsJarAndTranslateUsesIt(@TempDir Path plugins) throws Exception {
        Path jar = jar(plugins.resolve("provider-echo-1.0.0.jar"), ECHO, true);

        Result providers = run("providers", "-D", "fairway.plugins.dir=" + plugins);
        Result translate = run("translate", "-D", "fairway.plugins.dir=" + plugins, "-D", "fairway.provider=echo",
                "--to", "es", "-q", "Hello");

        assertEquals(0, providers.code(), providers.err());
        assertTrue(providers.out().lines().anyMatch(line -> line.matches("  echo +answers with the text it got.*")
                && line.endsWith(" [" + jar + "]")), providers.out());
        assertTrue(providers.out().contains("  fake         "), providers.out());
        assertEquals(0, translate.code(), translate.err());
        assertEquals("[es] Hello", translate.out().strip());
    }

    @Test
    void pluginsDirectoryComesFromTheEnvironmentToo(@TempDir Path plugins) throws Exception {
        Path jar = jar(plugins.resolve("echo.jar"), ECHO, true);

        Result providers = run(Map.of("FAIRWAY_PLUGINS_DIR", plugins.toString()), "providers");

        assertEquals(0, providers.code(), providers.err());
        assertTrue(providers.out().contains(" [" + jar + "]"), providers.out());
    }

    @Test
    void autoTakesThePluginsDirectoryOfFairwayHome(@TempDir Path home) throws Exception {
        Path jar = jar(Files.createDirectory(home.resolve("plugins")).resolve("echo.jar"), ECHO, true);

        Result providers = run(Map.of("FAIRWAY_HOME", home.toString()), "providers");
        Result none = run(Map.of("FAIRWAY_HOME", home.toString()), "providers", "-D", "fairway.plugins.dir=none");

        assertTrue(providers.out().contains(" [" + jar + "]"), providers.out());
        assertFalse(none.out().contains(jar.toString()), none.out());
        Result config = run(Map.of("FAIRWAY_HOME", home.toString()), "config");
        assertTrue(config.out().contains("fairway.plugins.dir                  auto         default (auto: "
                + home.resolve("plugins") + ")"), config.out());
    }

    @Test
    void brokenJarStopsEveryCommandWithOneLine(@TempDir Path plugins) throws Exception {
        Path broken = Files.writeString(plugins.resolve("broken.jar"), "not a zip file\n");

        Result providers = run("providers", "-D", "fairway.plugins.dir=" + plugins);
        Result translate = run("translate", "-D", "fairway.plugins.dir=" + plugins, "--to", "es", "Hello");

        for (Result result : List.of(providers, translate)) {
            assertEquals(2, result.code());
            assertEquals("", result.out());
            assertEquals(1, result.err().lines().count(), result.err());
            assertTrue(result.err().startsWith("fairway: plugin " + broken + " cannot be read as a module: "),
                    result.err());
        }
    }

    @Test
    void missingPluginsDirectoryIsAConfigurationError(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-dir");

        Result providers = run("providers", "-D", "fairway.plugins.dir=" + missing);

        assertEquals(2, providers.code());
        assertEquals("fairway: fairway.plugins.dir = '" + missing + "': expected auto, none, or an existing directory"
                + " (there is no directory " + missing + ")\n", providers.err());
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        return run(Map.of(), args);
    }

    /** Runs the command line as the process does: the plugins found once the configuration is known. */
    private static Result run(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ShutdownSignal stop = new ShutdownSignal() {
            @Override
            public void awaitStopRequest(Duration grace) {
            }

            @Override
            public void stopped() {
            }
        };
        Launch launch = new Launch(environment, Map.of(), PluginSource.discovering(), new PrintWriter(out, true),
                new PrintWriter(err, true), stop, List.of());
        int code = Cli.run(args, launch);
        return new Result(code, out.toString(), err.toString());
    }

    private static void assertOneLineStartingWith(String start, StartupException e) {
        assertTrue(e.getMessage().startsWith(start), "expected '" + start + "...' but got '" + e.getMessage() + "'");
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    /**
     * Jars a compiled module: with its module-info (a named module) or without it (an automatic module, whose
     * services come from META-INF/services); resources of the example go in too.
     */
    static Path jar(Path jar, String module, boolean withModuleInfo) throws IOException {
        Path classes = compiled.resolve(module);
        List<Path> files = new ArrayList<>(tree(classes));
        Path resources = EXAMPLE.resolve("resources");
        boolean example = module.equals(ECHO);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest())) {
            for (Path file : files) {
                String name = classes.relativize(file).toString().replace('\\', '/');
                if (!withModuleInfo && name.equals("module-info.class")) {
                    continue;
                }
                put(out, name, file);
            }
            if (example) {
                for (Path file : tree(resources)) {
                    put(out, resources.relativize(file).toString().replace('\\', '/'), file);
                }
            }
        }
        return jar;
    }

    private static Manifest manifest() {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        return manifest;
    }

    private static void put(JarOutputStream out, String name, Path file) throws IOException {
        out.putNextEntry(new JarEntry(name));
        Files.copy(file, out);
        out.closeEntry();
    }

    private static List<Path> tree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        for (Path file : tree(from)) {
            Path target = to.resolve(from.relativize(file).toString());
            Files.createDirectories(target.getParent());
            Files.copy(file, target);
        }
    }

    private static void writeModule(Path sources, String module, Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path target = sources.resolve(module).resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
    }

    private static String factory(String pkg, String name, String constructor) {
        return """
                package %s;

                import dev.fairway.api.spi.ProviderContext;
                import dev.fairway.api.spi.TranslationProvider;
                import dev.fairway.api.spi.TranslationProviderFactory;

                public final class Factory implements TranslationProviderFactory {
                    %s
                    public String name() { return "%s"; }
                    public TranslationProvider create(ProviderContext context) { throw new UnsupportedOperationException(); }
                }
                """.formatted(pkg, constructor, name);
    }
}

package dev.fairway.app.wiring;

import dev.fairway.app.config.StartupException;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The jars of a plugins directory ({@code fairway.plugins.dir}) as one module layer above the application's:
 * {@code ModuleFinder.of(jars)}, {@code Configuration.resolveAndBind} against the application layer's
 * configuration, {@code defineModulesWithOneLoader}. A jar with a {@code module-info} is its module; a jar
 * without one is an automatic module named after its {@code Automatic-Module-Name} or its file name, whose
 * services are listed in {@code META-INF/services}.
 *
 * <p>Loading is all or nothing: a jar that cannot be read as a module, two jars holding the same module, a jar
 * holding a module the application already has, or modules that do not resolve or cannot share one class
 * loader stop start-up with a {@link StartupException} whose one line names the jar and the reason.
 */
final class PluginLayer {

    private final ModuleLayer layer;
    /** Each plugin module's jar, by module name. */
    private final Map<String, Path> jars;

    private PluginLayer(ModuleLayer layer, Map<String, Path> jars) {
        this.layer = layer;
        this.jars = Map.copyOf(jars);
    }

    /**
     * Loads the jars of a directory as a layer whose parent is {@code parent}.
     *
     * @param directory the plugins directory
     * @param parent the application's layer
     * @param loader the parent class loader of the layer's class loader
     * @return the layer, or empty when the directory holds no jar
     * @throws StartupException when the directory cannot be listed or a jar cannot be loaded
     */
    static Optional<PluginLayer> load(Path directory, ModuleLayer parent, ClassLoader loader) {
        List<Path> files = jarFiles(directory);
        if (files.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Path> byModule = new LinkedHashMap<>();
        for (Path jar : files) {
            ModuleDescriptor descriptor = descriptor(jar);
            String name = descriptor.name();
            Path other = byModule.get(name);
            if (other != null) {
                throw failure(jar, "holds module " + name + ", as " + other.getFileName()
                        + " does: keep one of the two");
            }
            if (parent.findModule(name).isPresent()) {
                throw failure(jar, "holds module " + name + ", which the application already has on its module"
                        + " path: remove the jar from the plugins directory");
            }
            byModule.put(name, jar);
        }
        ModuleFinder finder = ModuleFinder.of(byModule.values().toArray(Path[]::new));
        Configuration configuration;
        try {
            configuration = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), byModule.keySet());
        } catch (ResolutionException | FindException e) {
            throw failure(byModule, "cannot be resolved: " + e.getMessage(), e);
        }
        try {
            return Optional.of(new PluginLayer(parent.defineModulesWithOneLoader(configuration, loader), byModule));
        } catch (LayerInstantiationException e) {
            throw failure(byModule, "cannot be loaded: " + e.getMessage(), e);
        } catch (SecurityException e) {
            throw failure(byModule, "cannot be loaded: " + e, e);
        }
    }

    /** The regular files ending in {@code .jar}, by name; anything else (a README) is left alone. */
    private static List<Path> jarFiles(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new StartupException("plugins directory " + directory + " cannot be listed: " + e.getMessage(), e);
        }
    }

    private static ModuleDescriptor descriptor(Path jar) {
        Set<ModuleReference> references;
        try {
            references = ModuleFinder.of(jar).findAll();
        } catch (FindException e) {
            // "Error reading <the jar>" says nothing the line does not: its cause says why.
            boolean namesTheJar = e.getCause() != null && String.valueOf(e.getMessage()).contains(jar.toString());
            throw failure(jar, "cannot be read as a module: " + reasons(namesTheJar ? e.getCause() : e), e);
        }
        if (references.size() != 1) {
            throw failure(jar, "cannot be read as a module: it holds " + references.size() + " modules");
        }
        return references.iterator().next().descriptor();
    }

    /** The messages of an exception and its causes, joined: the JDK's say "Error reading module" first. */
    static String reasons(Throwable failure) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = failure; t != null && parts.size() < 4; t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (!parts.contains(message)) {
                parts.add(message);
            }
        }
        return String.join(": ", parts);
    }

    private static StartupException failure(Path jar, String reason) {
        return new StartupException("plugin " + jar + " " + reason);
    }

    private static StartupException failure(Path jar, String reason, Throwable cause) {
        return new StartupException("plugin " + jar + " " + reason, cause);
    }

    /** Names the jars whose modules the message mentions (all of them when it mentions none). */
    private static StartupException failure(Map<String, Path> byModule, String reason, Throwable cause) {
        List<String> named = new ArrayList<>();
        for (Map.Entry<String, Path> e : byModule.entrySet()) {
            if (mentions(cause.getMessage(), e.getKey())) {
                named.add(e.getValue() + " (module " + e.getKey() + ")");
            }
        }
        if (named.isEmpty()) {
            byModule.forEach((module, jar) -> named.add(jar + " (module " + module + ")"));
        }
        return new StartupException("plugin " + String.join(", ", named) + " " + reason, cause);
    }

    private static boolean mentions(String message, String moduleName) {
        return message != null
                && Pattern.compile("(?<![\\w.])" + Pattern.quote(moduleName) + "(?![\\w])").matcher(message).find();
    }

    /**
     * The layer.
     *
     * @return the module layer of the plugins
     */
    ModuleLayer layer() {
        return layer;
    }

    /**
     * The jar a plugin class came from.
     *
     * @param type a class
     * @return its jar, when its module is one of this layer's
     */
    Optional<Path> jarOf(Class<?> type) {
        Module module = type.getModule();
        return module.getLayer() == layer ? Optional.ofNullable(jars.get(module.getName())) : Optional.empty();
    }

    /**
     * The jar whose module declares a provider class, for a {@link java.util.ServiceConfigurationError} that
     * names the class but comes before the class is loaded.
     *
     * @param message the error's message
     * @return the jar whose module's {@code provides} lists a class the message names
     */
    Optional<Path> jarNamedIn(String message) {
        if (message == null) {
            return Optional.empty();
        }
        for (Module module : layer.modules()) {
            for (ModuleDescriptor.Provides provides : module.getDescriptor().provides()) {
                for (String provider : provides.providers()) {
                    if (message.contains(provider)) {
                        return Optional.ofNullable(jars.get(module.getName()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Every jar of the layer.
     *
     * @return the jars
     */
    List<Path> jars() {
        return jars.values().stream().sorted().toList();
    }
}

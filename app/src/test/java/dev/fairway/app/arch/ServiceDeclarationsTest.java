package dev.fairway.app.arch;

import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.api.spi.TransportFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plugin is found by {@code provides} in its module-info on the module path and by its
 * {@code META-INF/services} file on the class path: the two must list the same classes.
 */
class ServiceDeclarationsTest {

    private static final String SERVICES = "META-INF/services/";

    private static Set<String> parse(InputStream in) throws IOException {
        Set<String> names = new TreeSet<>();
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            int comment = line.indexOf('#');
            String name = (comment >= 0 ? line.substring(0, comment) : line).trim();
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    private static Map<String, Set<String>> declared(ModuleDescriptor descriptor) {
        return descriptor.provides().stream().collect(Collectors.toMap(ModuleDescriptor.Provides::service,
                p -> new TreeSet<>(p.providers()), (a, b) -> a, TreeMap::new));
    }

    private static Map<String, Set<String>> listed(ModuleReference reference) {
        Map<String, Set<String>> listed = new TreeMap<>();
        try (ModuleReader reader = reference.open()) {
            for (String resource : reader.list().filter(r -> r.startsWith(SERVICES) && !r.endsWith("/")).toList()) {
                try (InputStream in = reader.open(resource).orElseThrow()) {
                    listed.put(resource.substring(SERVICES.length()), parse(in));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return listed;
    }

    @Test
    void everyModuleListsInMetaInfServicesExactlyWhatItsModuleInfoProvides() {
        List<ModuleReference> modules = FairwayModules.all();
        assertFalse(modules.isEmpty());
        for (ModuleReference module : modules) {
            ModuleDescriptor descriptor = module.descriptor();
            assertFalse(descriptor.isAutomatic(), descriptor.name() + " must have a module-info");
            assertEquals(declared(descriptor), listed(module), descriptor.name()
                    + ": module-info 'provides' and META-INF/services differ");
        }
    }

    @Test
    void everyDiscoveredPluginIsDeclaredBothWaysByItsOwnModule() throws IOException {
        int checked = 0;
        for (Class<?> spi : List.of(TranslationProviderFactory.class, TransportFactory.class)) {
            for (ServiceLoader.Provider<?> provider : ServiceLoader.load(spi).stream().toList()) {
                Module module = provider.type().getModule();
                assertTrue(module.isNamed(), provider.type() + " is not in a named module");
                assertTrue(module.getDescriptor().provides().stream().anyMatch(p -> p.service().equals(spi.getName())
                        && p.providers().contains(provider.type().getName())), provider.type().getName());
                try (InputStream in = module.getResourceAsStream(SERVICES + spi.getName())) {
                    assertTrue(in != null && parse(in).contains(provider.type().getName()),
                            module.getName() + " has no " + SERVICES + spi.getName() + " naming " + provider.type());
                }
                checked++;
            }
        }
        assertTrue(checked > 0, "no plugin found on the module path");
    }
}

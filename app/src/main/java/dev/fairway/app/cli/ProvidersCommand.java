package dev.fairway.app.cli;

import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.api.spi.TransportFactory;
import dev.fairway.app.wiring.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code fairway providers}: the plugins on the module path and in the plugins directory, each with where it
 * came from ({@code [module path]} or {@code [the jar in the plugins directory]}).
 */
@Command(name = "providers",
        description = "List the translation providers, transports and stores found on the module path and in the"
                + " plugins directory (fairway.plugins.dir), with where each came from.")
final class ProvidersCommand implements Callable<Integer> {

    @ParentCommand
    private FairwayCommand parent;

    @Override
    public Integer call() {
        Plugins plugins = parent.plugins(Map.of());
        PrintWriter out = parent.launch().out();
        out.println("Translation providers (select with fairway.provider):");
        List<TranslationProviderFactory> providers = plugins.providers();
        if (providers.isEmpty()) {
            out.println("  (none found)");
        }
        for (TranslationProviderFactory factory : providers) {
            out.printf("  %-12s %s [%s]%n", factory.name(), factory.description(), plugins.origin(factory));
        }
        out.println("Transports (select with fairway.transport):");
        List<TransportFactory> transports = plugins.transports();
        if (transports.isEmpty()) {
            out.println("  (none found)");
        }
        for (TransportFactory factory : transports) {
            out.printf("  %-12s %s [%s]%n", factory.name(), factory.description(), plugins.origin(factory));
        }
        out.println("Rate limiter stores (select with fairway.limiter.store):");
        plugins.limiterStores().forEach(f -> out.printf("  %-12s [%s]%n", f.name(), plugins.origin(f)));
        out.println("Session stores (select with fairway.session.store; none: sessions end with their connection):");
        plugins.sessionStores().forEach(f -> out.printf("  %-12s [%s]%n", f.name(), plugins.origin(f)));
        out.println("Web content (served by the transport: / and /console):");
        if (plugins.webContent().isEmpty()) {
            out.println("  (none found on the module path)");
        }
        plugins.webContent().forEach(c -> out.printf("  %s%n", c.name()));
        return ExitCodes.OK;
    }
}

package dev.fairway.app.cli;

import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.api.spi.TransportFactory;
import dev.fairway.app.wiring.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fairway providers}: the plugins on the module path. */
@Command(name = "providers",
        description = "List the translation providers and transports found on the module path.")
final class ProvidersCommand implements Callable<Integer> {

    @ParentCommand
    private FairwayCommand parent;

    @Override
    public Integer call() {
        Plugins plugins = parent.launch().plugins();
        PrintWriter out = parent.launch().out();
        out.println("Translation providers (select with fairway.provider):");
        List<TranslationProviderFactory> providers = plugins.providers();
        if (providers.isEmpty()) {
            out.println("  (none found on the module path)");
        }
        for (TranslationProviderFactory factory : providers) {
            out.printf("  %-12s %s%n", factory.name(), factory.description());
        }
        out.println("Transports (select with fairway.transport):");
        List<TransportFactory> transports = plugins.transports();
        if (transports.isEmpty()) {
            out.println("  (none found on the module path)");
        }
        for (TransportFactory factory : transports) {
            out.printf("  %-12s %s%n", factory.name(), factory.description());
        }
        out.println("Rate limiter stores (select with fairway.limiter.store):");
        plugins.limiterStores().forEach(f -> out.printf("  %s%n", f.name()));
        out.println("Session stores (select with fairway.session.store; none: sessions end with their connection):");
        plugins.sessionStores().forEach(f -> out.printf("  %s%n", f.name()));
        out.println("Web content (served by the transport: / and /console):");
        if (plugins.webContent().isEmpty()) {
            out.println("  (none found on the module path)");
        }
        plugins.webContent().forEach(c -> out.printf("  %s%n", c.name()));
        return ExitCodes.OK;
    }
}

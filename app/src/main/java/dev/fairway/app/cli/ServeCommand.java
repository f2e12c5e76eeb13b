package dev.fairway.app.cli;

import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.spi.Transport;
import dev.fairway.api.spi.TransportContext;
import dev.fairway.api.spi.TransportFactory;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.config.StartupException;
import dev.fairway.app.wiring.AppVersion;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import io.opentelemetry.api.OpenTelemetry;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code fairway serve}: runs the configured transport over the scheduler until SIGTERM or Ctrl-C,
 * then stops it gracefully. The scheduler is a bean of the context, provided by core-queue's factory
 * once it exists; that factory also closes it (its {@code preDestroy}).
 */
@Command(name = "serve",
        description = "Serve clients through the configured transport (fairway.transport) until SIGTERM or "
                + "Ctrl-C, then let accepted finals finish for up to fairway.shutdown.grace.")
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    private FairwayCommand parent;

    @Override
    public Integer call() throws InterruptedException {
        Launch launch = parent.launch();
        try (Wiring wiring = parent.startWiring(Map.of())) {
            FairwayConfig config = wiring.bean(FairwayConfig.class);
            Plugins plugins = launch.plugins();
            String providerName = config.get(ConfigKeys.PROVIDER);
            String transportName = config.get(ConfigKeys.TRANSPORT);
            // Fail on a wrong name before anything is built.
            plugins.provider(providerName);
            TransportFactory factory = plugins.transport(transportName);
            TranslationScheduler scheduler = wiring.findBean(TranslationScheduler.class).orElseThrow(() ->
                    new StartupException("no TranslationScheduler is wired: the core-queue module provides it"));
            Supplier<Object> status = () -> {
                Map<String, Object> document = new LinkedHashMap<>();
                document.put("version", AppVersion.current());
                document.put("provider", providerName);
                document.put("transport", transportName);
                return document;
            };
            Duration grace = config.get(ConfigKeys.SHUTDOWN_GRACE);
            serve(factory.create(new TransportContext(config.transport(transportName), scheduler,
                    wiring.bean(OpenTelemetry.class), status)), scheduler, grace, launch);
            return ExitCodes.OK;
        } finally {
            launch.shutdown().stopped();
        }
    }

    private static void serve(Transport transport, TranslationScheduler scheduler, Duration grace, Launch launch)
            throws InterruptedException {
        PrintWriter out = launch.out();
        try (transport) {
            transport.start();
            out.println("fairway: serving on " + transport.address() + " (stop with Ctrl-C or SIGTERM)");
            out.flush();
            launch.shutdown().awaitStopRequest(grace);
            out.println("fairway: stopping (grace " + grace.toSeconds() + "s)");
            out.flush();
            long deadline = System.nanoTime() + grace.toNanos();
            transport.shutdown(grace);
            scheduler.shutdown();
            scheduler.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }
}

package dev.fairway.app.cli;

import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.spi.Transport;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.metrics.NodeMetrics;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

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
            Server server = Server.create(wiring, wiring.bean(Plugins.class));
            serve(server.transport(), server.scheduler(), config.get(ConfigKeys.SHUTDOWN_GRACE), launch,
                    wiring.bean(NodeMetrics.class)::stopRequested);
            return ExitCodes.OK;
        } finally {
            launch.shutdown().stopped();
        }
    }

    private static void serve(Transport transport, TranslationScheduler scheduler, Duration grace, Launch launch,
            Runnable stopRequested) throws InterruptedException {
        PrintWriter out = launch.out();
        try (transport) {
            transport.start();
            out.println("fairway: serving on " + transport.address() + " (stop with Ctrl-C or SIGTERM)");
            out.flush();
            launch.shutdown().awaitStopRequest(grace);
            stopRequested.run();
            out.println("fairway: stopping (grace " + grace.toSeconds() + "s)");
            out.flush();
            long deadline = System.nanoTime() + grace.toNanos();
            transport.shutdown(grace);
            scheduler.shutdown();
            scheduler.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }
}

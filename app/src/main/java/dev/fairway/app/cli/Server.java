package dev.fairway.app.cli;

import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.session.DurableSessions;
import dev.fairway.api.spi.Admission;
import dev.fairway.api.spi.Transport;
import dev.fairway.api.spi.TransportContext;
import dev.fairway.api.spi.TransportFactory;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.config.StartupException;
import dev.fairway.app.metrics.NodeMetrics;
import dev.fairway.app.overload.OverloadMonitor;
import dev.fairway.app.overload.OverloadProbe;
import dev.fairway.app.overload.QueueWaitTap;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.ReadinessChecks;
import dev.fairway.app.wiring.SessionJournal;
import dev.fairway.app.wiring.StatusDocument;
import dev.fairway.app.wiring.Wiring;
import io.opentelemetry.api.OpenTelemetry;

import java.util.Optional;

/**
 * The parts of a running server, shared by {@code serve} and {@code load --embedded}: the transport
 * that {@code fairway.transport} names, built over the scheduler bean (with the node's metrics recording each
 * session's outcomes) with the status document, the readiness checks of the provider and the stores
 * ({@link ReadinessChecks}), the web content found on the module path (the console module's pages) and, when a {@code fairway.overload.*} threshold is on, the overload monitor as its
 * admission control.
 *
 * @param providerName the configured provider
 * @param transportName the configured transport
 * @param scheduler the scheduler bean (closed with the bean context)
 * @param transport the transport, not started yet
 */
record Server(String providerName, String transportName, TranslationScheduler scheduler, Transport transport) {

    /**
     * Builds the transport over the wired scheduler. Wrong names fail before anything is built.
     *
     * @param wiring the running bean context
     * @param plugins the plugins on the module path
     * @return the server, not started
     */
    static Server create(Wiring wiring, Plugins plugins) {
        FairwayConfig config = wiring.bean(FairwayConfig.class);
        String providerName = config.get(ConfigKeys.PROVIDER);
        String transportName = config.get(ConfigKeys.TRANSPORT);
        plugins.provider(providerName);
        TransportFactory factory = plugins.transport(transportName);
        TranslationScheduler scheduler = wiring.findBean(TranslationScheduler.class).orElseThrow(() ->
                new StartupException("no TranslationScheduler is wired: the core-queue module provides it"));
        StatusDocument status = wiring.bean(StatusDocument.class);
        OverloadMonitor overload = wiring.bean(OverloadMonitor.class);
        Admission admission = Admission.OPEN;
        TranslationScheduler served = wiring.bean(NodeMetrics.class).tap(scheduler);
        if (overload.settings().enabled()) {
            wiring.bean(OverloadProbe.class);
            admission = overload;
            served = new QueueWaitTap(served, overload);
        }
        TransportContext context = new TransportContext(config.transport(transportName), served,
                wiring.bean(OpenTelemetry.class), status::document, admission);
        Optional<DurableSessions> durable = wiring.bean(SessionJournal.class).durableSessions();
        if (durable.isPresent()) {
            context = context.withDurableSessions(durable.get());
        }
        context = context.withReadiness(wiring.bean(ReadinessChecks.class).checks())
                .withWebContent(plugins.webContent());
        Transport transport = factory.create(context);
        return new Server(providerName, transportName, scheduler, transport);
    }
}

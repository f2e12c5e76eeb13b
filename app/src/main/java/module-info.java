/**
 * Fairway's composition root: the {@code fairway} command line, the configuration (defaults, an
 * optional properties file, environment variables, system properties), dependency injection of the
 * singletons, and the OpenTelemetry SDK. It is the only module that knows Micronaut, Commons
 * Configuration and the OpenTelemetry SDK; every other module sees the API only.
 *
 * <p>Providers, transports and rate limiter stores are plugins found with {@link java.util.ServiceLoader}
 * on the module path; the app requires none of them (core-limiter, which it requires for the
 * concurrency limiter, also provides the {@code memory} store).
 */
module dev.fairway.app {
    requires dev.fairway.api;
    requires dev.fairway.core.limiter;
    requires dev.fairway.core.queue;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;
    requires HdrHistogram;

    requires info.picocli;

    requires org.apache.commons.configuration2;
    // Commons Configuration requires it only statically, but its builders need it at run time:
    // requiring it here puts it in the module graph.
    requires org.apache.commons.beanutils;

    requires io.micronaut.micronaut_inject;
    requires io.micronaut.micronaut_core;
    requires jakarta.inject;
    requires jakarta.annotation;
    requires org.slf4j;

    requires io.opentelemetry.context;
    requires io.opentelemetry.sdk;
    requires io.opentelemetry.sdk.common;
    requires io.opentelemetry.sdk.trace;
    requires io.opentelemetry.sdk.metrics;
    requires io.opentelemetry.sdk.logs;
    requires io.opentelemetry.sdk.autoconfigure;
    requires io.opentelemetry.sdk.autoconfigure.spi;
    requires io.opentelemetry.exporter.prometheus;
    // The exporter's classes use these; required here so that tests run them on the module path too.
    requires io.prometheus.metrics.model;
    requires io.prometheus.metrics.config;
    requires io.prometheus.metrics.exporter.httpserver;

    requires java.logging;
    // The overload probe reads the heap after each garbage collection from the JDK's GC notifications.
    requires java.management;
    requires jdk.management;

    // Micronaut instantiates the generated bean definitions reflectively: bean packages are exported.
    exports dev.fairway.app.config;
    exports dev.fairway.app.wiring;
    exports dev.fairway.app.overload;
    exports dev.fairway.app.metrics;
    // picocli sets the annotated option fields reflectively.
    opens dev.fairway.app.cli to info.picocli;

    uses dev.fairway.api.spi.TranslationProviderFactory;
    uses dev.fairway.api.spi.TransportFactory;
    uses dev.fairway.api.spi.WebContent;
    uses dev.fairway.api.session.SessionStoreFactory;
    uses dev.fairway.api.limit.RateLimiterStoreFactory;
}

package dev.fairway.api.spi;

import dev.fairway.api.NanoClock;
import io.opentelemetry.api.OpenTelemetry;

import java.lang.module.ModuleDescriptor;
import java.net.ProxySelector;
import java.util.Objects;

/**
 * What a {@link TranslationProviderFactory} gets to build a provider.
 *
 * <p>The application is the one that reads the process environment: it builds the proxy selector
 * from {@code HTTPS_PROXY} / {@code HTTP_PROXY} / {@code NO_PROXY} and its own configuration, and
 * knows its version. A provider that speaks HTTP passes {@link #proxySelector()} to its client
 * (the JDK's {@code HttpClient} ignores those variables) and names {@link #fairwayVersion()} in
 * its {@code User-Agent}.
 *
 * @param config the provider's own keys ({@code fairway.provider.<name>.*})
 * @param openTelemetry the application's OpenTelemetry (a no-op one when tracing is off)
 * @param clock the monotonic clock to measure latency with
 * @param proxySelector which proxy, if any, each outgoing HTTP(S) connection goes through
 * @param fairwayVersion the running Fairway's version, for example {@code 0.1.0}
 */
public record ProviderContext(PluginConfig config, OpenTelemetry openTelemetry, NanoClock clock,
                              ProxySelector proxySelector, String fairwayVersion) {

    /** Validates every field. */
    public ProviderContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(proxySelector, "proxySelector");
        Objects.requireNonNull(fairwayVersion, "fairwayVersion");
        if (fairwayVersion.isBlank() || fairwayVersion.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("fairwayVersion must be printable ASCII without spaces, was '"
                    + fairwayVersion + "'");
        }
    }

    /**
     * A context with the JDK's proxy selection (the {@code http.proxyHost} / {@code https.proxyHost}
     * system properties, direct otherwise) and the version of this API module as Fairway's version.
     *
     * @param config the provider's own keys
     * @param openTelemetry the application's OpenTelemetry
     * @param clock the monotonic clock
     */
    public ProviderContext(PluginConfig config, OpenTelemetry openTelemetry, NanoClock clock) {
        this(config, openTelemetry, clock, jdkProxySelector(), apiVersion());
    }

    /**
     * A context with no telemetry and the system clock, for tests and tools.
     *
     * @param config the provider's keys
     * @return the context
     */
    public static ProviderContext of(PluginConfig config) {
        return new ProviderContext(config, OpenTelemetry.noop(), NanoClock.SYSTEM);
    }

    /**
     * This context with another proxy selector.
     *
     * @param selector the proxy selector
     * @return a new context
     */
    public ProviderContext withProxySelector(ProxySelector selector) {
        return new ProviderContext(config, openTelemetry, clock, selector, fairwayVersion);
    }

    /**
     * This context with another version.
     *
     * @param version the running Fairway's version
     * @return a new context
     */
    public ProviderContext withFairwayVersion(String version) {
        return new ProviderContext(config, openTelemetry, clock, proxySelector, version);
    }

    /** What the JDK's HttpClient uses when given no selector; never null. */
    private static ProxySelector jdkProxySelector() {
        ProxySelector selector = ProxySelector.getDefault();
        return selector != null ? selector : ProxySelector.of(null);
    }

    /**
     * The version in this module's descriptor (the build writes the project's version there), or
     * {@code unknown} on the class path, where there is no descriptor.
     */
    private static String apiVersion() {
        ModuleDescriptor descriptor = ProviderContext.class.getModule().getDescriptor();
        return descriptor == null ? "unknown" : descriptor.rawVersion().orElse("unknown");
    }
}

package dev.fairway.provider.support;

import dev.fairway.api.spi.PluginConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.Set;

/** Which HTTP version a provider asks for: the {@code http-version} key. */
public enum HttpVersionChoice {
    /** HTTP/2 over TLS (negotiated, falling back to HTTP/1.1); HTTP/1.1 over plain http (no h2c upgrade). */
    AUTO,
    /** Always ask for HTTP/2 (over plain http this tries an h2c upgrade). */
    HTTP2,
    /** Always HTTP/1.1. */
    HTTP1_1;

    /**
     * Reads {@code http-version}: {@code auto} (the default), {@code http2} or {@code http1.1}.
     *
     * @param config the provider's keys
     * @return the choice
     */
    public static HttpVersionChoice read(PluginConfig config) {
        return switch (config.choice("http-version", "auto", Set.of("auto", "http2", "http1.1"))) {
            case "http2" -> HTTP2;
            case "http1.1" -> HTTP1_1;
            default -> AUTO;
        };
    }

    /**
     * The version to give the JDK's client for a server.
     *
     * @param baseUrl the server's base URL
     * @return the version
     */
    public HttpClient.Version version(URI baseUrl) {
        return switch (this) {
            case HTTP2 -> HttpClient.Version.HTTP_2;
            case HTTP1_1 -> HttpClient.Version.HTTP_1_1;
            // HTTP/2 is negotiated by TLS (ALPN) and falls back to HTTP/1.1; over plain http the JDK
            // would try an h2c upgrade, which some local servers and proxies mishandle.
            case AUTO -> "https".equalsIgnoreCase(baseUrl.getScheme())
                    ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
        };
    }
}

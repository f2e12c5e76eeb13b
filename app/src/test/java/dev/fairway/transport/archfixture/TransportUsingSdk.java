package dev.fairway.transport.archfixture;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.apache.commons.configuration2.Configuration;

/** Architecture fixture: a "transport" that knows the OpenTelemetry SDK and Commons Configuration. */
public final class TransportUsingSdk {

    private TransportUsingSdk() {
    }

    /**
     * @param sdk the SDK
     * @param configuration a configuration
     * @return a port
     */
    public static int port(OpenTelemetrySdk sdk, Configuration configuration) {
        sdk.close();
        return configuration.getInt("port");
    }
}

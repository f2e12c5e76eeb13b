package dev.fairway.transport.websocket;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.TransportContext;
import dev.fairway.api.spi.TransportFactory;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebSocketTransportFactoryTest {

    @Test
    void isNamedWebsocketAndDeclaredBothWays() throws IOException {
        TransportFactory factory = new WebSocketTransportFactory();
        assertEquals("websocket", factory.name());
        Module module = WebSocketTransportFactory.class.getModule();
        assertTrue(module.isNamed(), "runs on the module path");
        ModuleDescriptor.Provides provides = module.getDescriptor().provides().stream()
                .filter(p -> p.service().equals(TransportFactory.class.getName())).findFirst().orElseThrow();
        assertEquals(List.of(WebSocketTransportFactory.class.getName()), provides.providers());
        try (InputStream in = module.getResourceAsStream("META-INF/services/" + TransportFactory.class.getName())) {
            assertEquals(WebSocketTransportFactory.class.getName(),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void createsATransportThatListensOnlyOnceStarted() {
        TransportContext context = new TransportContext(PluginConfig.of(Settings.PREFIX, Map.of("port", "0")),
                TestScheduler.echo(), OpenTelemetry.noop(), Map::of);
        try (var transport = new WebSocketTransportFactory().create(context)) {
            assertInstanceOf(WebSocketTransport.class, transport);
            assertThrows(IllegalStateException.class, transport::address);
            transport.start();
            assertTrue(transport.address().toString().matches("ws://127\\.0\\.0\\.1:\\d+/v1/session"),
                    transport.address().toString());
            assertTrue(transport.address().getPort() > 0);
        }
    }

    @Test
    void badConfigurationFailsAtCreate() {
        TransportContext context = new TransportContext(PluginConfig.of(Settings.PREFIX, Map.of("port", "-1")),
                TestScheduler.echo(), OpenTelemetry.noop(), Map::of);
        assertThrows(InvalidConfigurationException.class, () -> new WebSocketTransportFactory().create(context));
    }

    @Test
    void portInUseIsAFairwayException() {
        TransportContext first = new TransportContext(PluginConfig.of(Settings.PREFIX, Map.of("port", "0")),
                TestScheduler.echo(), OpenTelemetry.noop(), Map::of);
        try (var one = WebSocketTransport.create(first)) {
            one.start();
            TransportContext second = new TransportContext(PluginConfig.of(Settings.PREFIX,
                    Map.of("port", String.valueOf(one.address().getPort()))), TestScheduler.echo(),
                    OpenTelemetry.noop(), Map::of);
            try (var two = WebSocketTransport.create(second)) {
                assertThrows(dev.fairway.api.FairwayException.class, two::start);
            }
        }
    }
}

package dev.fairway.app.wiring;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.app.config.StartupException;
import dev.fairway.app.testing.EchoProviderFactory;
import dev.fairway.app.testing.FailingProviderFactory;
import dev.fairway.app.testing.RecordingTransportFactory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PluginsTest {

    @Test
    void pluginsAreFoundByNameAndListedInNameOrder() {
        EchoProviderFactory echo = new EchoProviderFactory();
        Plugins plugins = Plugins.of(List.of(new FailingProviderFactory(), echo),
                List.of(new RecordingTransportFactory()));

        assertSame(echo, plugins.provider("echo"));
        assertEquals(List.of("echo", "limited"),
                plugins.providers().stream().map(TranslationProviderFactory::name).toList());
        assertEquals("recording", plugins.transport("recording").name());
    }

    @Test
    void unknownProviderNamesTheProvidersThereAre() {
        Plugins plugins = Plugins.of(List.of(new EchoProviderFactory(), new FailingProviderFactory()), List.of());

        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> plugins.provider("opnai"));

        assertEquals("fairway.provider = 'opnai': expected one of [echo, limited]", e.getMessage());
    }

    @Test
    void missingTransportSaysNoneWasFound() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Plugins.of(List.of(), List.of()).transport("websocket"));

        assertEquals("fairway.transport = 'websocket': expected one of [] (no transport plugin found on the module path"
                + " or in the plugins directory)", e.getMessage());
    }

    @Test
    void twoPluginsOfOneNameAreRefused() {
        TranslationProviderFactory impostor = new TranslationProviderFactory() {
            @Override
            public String name() {
                return "echo";
            }

            @Override
            public TranslationProvider create(ProviderContext context) {
                throw new IllegalStateException("never built");
            }
        };

        StartupException e = assertThrows(StartupException.class,
                () -> Plugins.of(List.of(new EchoProviderFactory(), impostor), List.of()));

        assertEquals(true, e.getMessage().startsWith("two translation provider plugins are named 'echo': "),
                e.getMessage());
    }

    @Test
    void discoveryFindsEveryShippedPlugin() {
        Plugins plugins = Plugins.discover();
        List<String> names = plugins.providers().stream().map(TranslationProviderFactory::name).toList();

        assertEquals(List.of("anthropic", "fake", "openai"), names);
        assertEquals(List.of("websocket"),
                plugins.transports().stream().map(dev.fairway.api.spi.TransportFactory::name).toList());
    }
}

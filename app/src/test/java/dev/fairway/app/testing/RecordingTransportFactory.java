package dev.fairway.app.testing;

import dev.fairway.api.spi.Transport;
import dev.fairway.api.spi.TransportContext;
import dev.fairway.api.spi.TransportFactory;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A transport named {@code recording} that only writes down its life cycle. */
public final class RecordingTransportFactory implements TransportFactory {

    /** What happened, in order: {@code create}, {@code start}, {@code shutdown PT10S}, {@code close}. */
    public final List<String> events = new CopyOnWriteArrayList<>();

    /** The context it was created with. */
    public volatile TransportContext context;

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public Transport create(TransportContext context) {
        this.context = context;
        events.add("create");
        return new Transport() {
            @Override
            public void start() {
                events.add("start");
            }

            @Override
            public URI address() {
                return URI.create("ws://127.0.0.1:8080/v1/session");
            }

            @Override
            public void shutdown(Duration grace) {
                events.add("shutdown " + grace);
            }

            @Override
            public void close() {
                events.add("close");
            }
        };
    }
}

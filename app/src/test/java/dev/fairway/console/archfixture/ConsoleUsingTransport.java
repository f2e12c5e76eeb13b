package dev.fairway.console.archfixture;

import dev.fairway.transport.archfixture.TransportUsingSdk;

/** Architecture fixture: "web content" that depends on a transport, which it must not know. */
public final class ConsoleUsingTransport {

    private ConsoleUsingTransport() {
    }

    /**
     * @return a transport class's name
     */
    public static String transport() {
        return TransportUsingSdk.class.getName();
    }
}

package dev.fairway.app.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that never read: each opens a raw WebSocket connection (a 4 KiB receive buffer, the worst an
 * attacker can ask for), starts a session, then sends a {@code ping} with the largest {@code id} the protocol
 * allows (or a given size) every interval and never reads a frame, so the server's answers pile up on its side. They measure
 * what the server keeps for clients that do not read, beside the sessions of a load run.
 */
final class IdleReaders implements AutoCloseable {

    /** The largest ping {@code id} the server accepts, in bytes of JSON (the transport's limit). */
    static final int MAX_ID_BYTES = 128;
    private static final int RECEIVE_BUFFER = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the idle readers did.
     *
     * @param opened connections opened and upgraded
     * @param failedToOpen connections the server refused or that failed during the handshake
     * @param cutByServer connections whose writes failed: the server closed them
     * @param pings pings sent
     */
    record Summary(int opened, int failedToOpen, long cutByServer, long pings) {
    }

    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong cut = new AtomicLong();
    private final AtomicLong pings = new AtomicLong();
    private final byte[] ping;
    private final Duration interval;
    private int failed;
    private volatile boolean stopped;

    private IdleReaders(Duration interval, int idBytes) {
        this.interval = interval;
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "ping");
        node.put("id", "i".repeat(idBytes - 2));                      // a JSON string of idBytes with its quotes
        this.ping = frame(node.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Opens the connections and starts pinging.
     *
     * @param target the session endpoint
     * @param count how many connections
     * @param interval time between two pings of one connection
     * @param idBytes bytes of each ping's {@code id} as JSON ({@link #MAX_ID_BYTES} is the most the server
     *        accepts; more measures what a larger one costs, or cost a server without that limit)
     * @param token the API token, if the server needs one
     * @return the running readers
     */
    static IdleReaders open(URI target, int count, Duration interval, int idBytes, Optional<String> token) {
        IdleReaders readers = new IdleReaders(interval, idBytes);
        for (int i = 0; i < count; i++) {
            try {
                Socket socket = handshake(target, token);
                readers.sockets.add(socket);
                readers.write(socket, frame(("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\","
                        + "\"label\":\"idle-reader-" + (i + 1) + "\"}").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                readers.failed++;
            }
        }
        for (Socket socket : readers.sockets) {
            readers.threads.add(Thread.ofVirtual().name("fairway-load-idle-reader").start(() -> readers.pingLoop(socket)));
        }
        return readers;
    }

    /**
     * What they did so far.
     *
     * @return the counts
     */
    Summary summary() {
        return new Summary(sockets.size(), failed, cut.get(), pings.get());
    }

    private void pingLoop(Socket socket) {
        long next = System.nanoTime() + ThreadLocalRandom.current().nextLong(interval.toNanos());
        while (!stopped) {
            try {
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
            } catch (InterruptedException e) {
                return;
            }
            next += interval.toNanos();
            if (!write(socket, ping)) {
                return;
            }
            pings.incrementAndGet();
        }
    }

    private boolean write(Socket socket, byte[] frame) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(frame);
            out.flush();
            return true;
        } catch (IOException e) {
            if (!stopped) {
                cut.incrementAndGet();
            }
            return false;
        }
    }

    private static Socket handshake(URI target, Optional<String> token) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(RECEIVE_BUFFER);
        socket.connect(new InetSocketAddress(target.getHost(), target.getPort()), 10_000);
        socket.setSoTimeout(10_000);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String request = "GET " + target.getRawPath() + " HTTP/1.1\r\n"
                + "Host: " + target.getHost() + ":" + target.getPort() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + token.map(t -> "Authorization: Bearer " + t + "\r\n").orElse("") + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        // The handshake's answer is the only thing ever read.
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                socket.close();
                throw new IOException("the server ended the handshake");
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("the upgrade was refused: " + head.toString().lines().findFirst().orElse(""));
        }
        return socket;
    }

    /** A masked text frame of a client (payloads up to 65,535 bytes). */
    private static byte[] frame(byte[] payload) {
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        int header = payload.length < 126 ? 2 : 4;
        byte[] frame = new byte[header + 4 + payload.length];
        frame[0] = (byte) 0x81;
        if (payload.length < 126) {
            frame[1] = (byte) (0x80 | payload.length);
        } else {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (payload.length >>> 8);
            frame[3] = (byte) payload.length;
        }
        System.arraycopy(mask, 0, frame, header, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[header + 4 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Thread thread : threads) {
            thread.interrupt();
            thread.join();
        }
    }
}

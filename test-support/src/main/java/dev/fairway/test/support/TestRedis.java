package dev.fairway.test.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.embedded.core.ExecutableProvider;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for tests, on a free loopback port: the binary that the embedded-redis jar ships for
 * this OS and architecture (extracted to a temporary file), or Debian's {@code /usr/bin/redis-server} when
 * that one cannot run. It keeps nothing on disk ({@code --save ""}, {@code --appendonly no}), so a
 * {@link #restart()} loses every key and the script cache, as a crashed Redis does. {@link #close()} kills it.
 *
 * <p>Its dependencies are optional in this artifact, so that tests that need no Redis do not carry them: a
 * module whose tests use it declares {@code io.lettuce:lettuce-core} and {@code
 * com.github.codemonstur:embedded-redis} (test scope is enough) itself. Not thread-safe: one test thread
 * drives it.
 */
public final class TestRedis implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final File executable;
    private final int port;
    private final Path dir;
    private Process process;
    private RedisClient adminClient;
    private StatefulRedisConnection<String, String> admin;

    private TestRedis(File executable, int port, Path dir) {
        this.executable = executable;
        this.port = port;
        this.dir = dir;
    }

    /**
     * Starts a server on a free loopback port and waits until it accepts connections.
     *
     * @return the running server
     * @throws IllegalStateException when no redis-server can run here or it does not become ready
     */
    public static TestRedis start() {
        TestRedis redis = new TestRedis(executable(), freePort(), tempDir());
        redis.startProcess();
        return redis;
    }

    /**
     * A loopback port on which nothing listened a moment ago (for a Redis that is not there yet).
     *
     * @return the port
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Prepares a server for {@code port} without starting it: {@link #restart()} starts it.
     *
     * @param port the port it will listen on
     * @return the server, not running
     */
    public static TestRedis notStarted(int port) {
        return new TestRedis(executable(), port, tempDir());
    }

    /**
     * Where clients connect.
     *
     * @return {@code redis://127.0.0.1:<port>}
     */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * The port it listens on.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /** Kills the server at once (SIGKILL) and waits until the process is gone; the admin connection is closed. */
    public void kill() {
        closeAdmin();
        if (process != null) {
            process.destroyForcibly();
            try {
                if (!process.waitFor(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("redis-server did not die");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            process = null;
        }
    }

    /** Kills the server if it runs, then starts it again on the same port, empty. */
    public void restart() {
        kill();
        startProcess();
    }

    /**
     * A connection of the test's own, opened at the first call and closed by {@link #kill()}: to inspect
     * keys, flush scripts or the data, pause the server.
     *
     * @return synchronous commands on it
     */
    public RedisCommands<String, String> admin() {
        if (admin == null) {
            adminClient = RedisClient.create(RedisURI.create(uri()));
            admin = adminClient.connect();
        }
        return admin.sync();
    }

    /**
     * Makes the server hold its clients' commands for {@code millis} ({@code CLIENT PAUSE}): a slow Redis.
     *
     * @param millis how long
     */
    public void freeze(long millis) {
        admin().clientPause(millis);
    }

    @Override
    public void close() {
        kill();
    }

    private void closeAdmin() {
        if (admin != null) {
            admin.close();
            adminClient.shutdown();
            admin = null;
            adminClient = null;
        }
    }

    private void startProcess() {
        ProcessBuilder builder = new ProcessBuilder(List.of(executable.getAbsolutePath(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", dir.toString(), "--protected-mode", "no"))
                .redirectErrorStream(true);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        // Read its log until it is ready (or dies), then keep draining it so that it never blocks on a pipe.
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Void> ready = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread.ofPlatform().daemon().name("redis-log-" + port).start(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (!ready.isDone()) {
                        log.append(line).append('\n');
                        if (line.contains("Ready to accept connections")) {
                            ready.complete(null);
                        }
                    }
                }
            } catch (IOException e) {
                // The process is gone.
            }
            ready.completeExceptionally(new IllegalStateException("redis-server exited:\n" + log));
        });
        try {
            ready.get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("redis-server on port " + port + " did not become ready", e);
        }
    }

    private static File executable() {
        try {
            File file = ExecutableProvider.newJarResourceProvider().get();
            if (file.canExecute() || file.setExecutable(true)) {
                return file;
            }
        } catch (IOException | RuntimeException e) {
            // Fall back to Debian's package below.
        }
        File debian = new File("/usr/bin/redis-server");
        if (debian.canExecute()) {
            return debian;
        }
        throw new IllegalStateException("no redis-server: the embedded-redis binary does not run here and "
                + "/usr/bin/redis-server is missing (apt-get install -y redis-server)");
    }

    private static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("fairway-redis-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

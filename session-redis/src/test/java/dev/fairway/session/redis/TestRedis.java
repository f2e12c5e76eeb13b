package dev.fairway.session.redis;

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
 * A real redis-server on a free loopback port: the Linux x86-64 binary that the embedded-redis jar ships
 * (extracted to a temporary directory), or Debian's {@code redis-server} when that cannot run. Nothing
 * is persisted, so a restart loses every key and the script cache, as a crashed Redis does. The same class as
 * limiter-redis's tests (test code is not shared between modules).
 */
final class TestRedis implements AutoCloseable {

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

    /** Starts a server on a free loopback port. */
    static TestRedis start() {
        TestRedis redis = new TestRedis(executable(), freePort(), tempDir());
        redis.startProcess();
        return redis;
    }

    /** A free loopback port on which nothing listens (for a Redis that is not there yet). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prepares a server for {@code port} without starting it. */
    static TestRedis notStarted(int port) {
        return new TestRedis(executable(), port, tempDir());
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** Kills the server at once (SIGKILL) and waits until the process is gone. */
    void kill() {
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

    /** Starts the server again on the same port, empty. */
    void restart() {
        kill();
        startProcess();
    }

    /** A connection for the test itself (inspecting keys, flushing scripts, pausing the server). */
    RedisCommands<String, String> admin() {
        if (admin == null) {
            adminClient = RedisClient.create(RedisURI.create(uri()));
            admin = adminClient.connect();
        }
        return admin.sync();
    }

    /** Makes the server hold every other client's commands for {@code millis} (CLIENT PAUSE): a slow Redis. */
    void freeze(long millis) {
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

package dev.fairway.api.spi;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One named condition for this node to take new sessions, besides running and having room: the provider warmed
 * up and reachable, the session store or the rate limiter's store reachable. The application assembles one check
 * per part it wired and hands them to the transport ({@link TransportContext#readiness()}), so that the transport
 * knows nothing of providers and stores; the transport's readiness endpoint lists every check with its state and
 * says not ready while any is not. Sessions already accepted are never affected.
 *
 * <p>Called on transport threads for every readiness probe: implementations answer from state kept up to date
 * elsewhere (a component's own flag, the result of a probe it runs in the background), never with a network call
 * of their own, and do not block.
 */
public interface Readiness {

    /** What a name may be: lower-case words joined by {@code -}, such as {@code session-store}. */
    Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    /**
     * The check's name, stable, for probes and dashboards.
     *
     * @return for example {@code provider}, {@code limiter-store} or {@code session-store}
     */
    String name();

    /**
     * Whether this part lets the node take new sessions now.
     *
     * @return empty when ready, or why not: a sentence for an operator (without secrets: readiness endpoints
     *     need no token)
     */
    Optional<String> check();

    /**
     * A check with this name that asks a supplier.
     *
     * @param name the check's name, matching {@link #NAME}
     * @param check answers as {@link #check()} does
     * @return the check
     * @throws IllegalArgumentException when the name does not match {@link #NAME}
     */
    static Readiness of(String name, Supplier<Optional<String>> check) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(check, "check");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be lower-case words joined by '-', was '" + name + "'");
        }
        return new Readiness() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<String> check() {
                return check.get();
            }

            @Override
            public String toString() {
                return "Readiness[" + name + "]";
            }
        };
    }
}

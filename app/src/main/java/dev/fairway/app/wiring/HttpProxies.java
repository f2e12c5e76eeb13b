package dev.fairway.app.wiring;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.app.config.ConfigKeys;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The proxy selector the application hands to providers through
 * {@link dev.fairway.api.spi.ProviderContext#proxySelector()}: the JDK's {@code HttpClient} reads no
 * environment variable, so the composition root, which owns the environment, reads
 * {@code https_proxy} / {@code HTTPS_PROXY}, {@code http_proxy} / {@code HTTP_PROXY} and
 * {@code no_proxy} / {@code NO_PROXY} (lower case first, as curl does) and {@code fairway.http.proxy}.
 *
 * <ul>
 *   <li>{@code fairway.http.proxy = auto} (the default): the variables; without any, the JDK's own
 *       selection (the {@code https.proxyHost} / {@code http.proxyHost} system properties), as before.</li>
 *   <li>{@code none}: every connection is direct, whatever the environment says.</li>
 *   <li>A URL ({@code http://proxy.corp:3128}, or {@code proxy.corp:3128}): http and https go through it;
 *       {@code NO_PROXY} still applies.</li>
 * </ul>
 *
 * <p>https URLs use the https proxy, http URLs the http proxy (no fallback from one to the other, as
 * curl and Go do). {@code NO_PROXY} is a comma-separated list of: {@code *} (no proxy at all), host
 * names, domain suffixes with or without a leading dot ({@code example.com} and {@code .example.com}
 * both match {@code example.com} and {@code api.example.com}, as curl reads them; {@code *.example.com}
 * too), {@code host:port}, IP literals ({@code 10.0.0.7}, {@code ::1}, {@code [::1]:8080}) and IP
 * ranges ({@code 10.0.0.0/8}, {@code fd00::/8}; they match IP literals only, no name is resolved).
 * Loopback addresses ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}) are never proxied.
 *
 * <p>A proxy URL's user info is never kept, shown or logged: the JDK's client would need an
 * {@code Authenticator} that also answers the provider's own 401s, and refuses Basic credentials
 * over a CONNECT tunnel by default, so proxy authentication is not supported and
 * {@link #warnings()} says so.
 */
public final class HttpProxies extends ProxySelector {

    /** The value of {@code fairway.http.proxy} that reads the environment. */
    public static final String AUTO = "auto";
    /** The value of {@code fairway.http.proxy} that connects directly. */
    public static final String NONE = "none";

    private static final List<Proxy> DIRECT = List.of(Proxy.NO_PROXY);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final String ALLOWED = "an http:// proxy URL such as http://proxy.example.com:3128"
            + " (or host:port)";

    private final Endpoint http;
    private final Endpoint https;
    private final List<Rule> noProxy;
    private final List<String> warnings;

    /** One proxy: where, and where the setting came from (a variable's or a key's name). */
    private record Endpoint(String host, int port, String source) {
        Proxy proxy() {
            // Resolved on each connection, as the JDK's own selector does: a proxy's address may change.
            return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port));
        }

        @Override
        public String toString() {
            return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + " (" + source + ")";
        }
    }

    /**
     * One NO_PROXY entry: a host, a domain suffix, an IP literal or an IP range ({@code network} and
     * {@code prefix} bits, null and -1 otherwise), with a port or any port (-1).
     */
    private record Rule(String host, boolean suffix, int port, byte[] network, int prefix) {
        Rule(String host, boolean suffix, int port) {
            this(host, suffix, port, null, -1);
        }

        boolean matches(String target, int targetPort, byte[] targetAddress) {
            if (port >= 0 && port != targetPort) {
                return false;
            }
            if (network != null) {
                return targetAddress != null && inRange(targetAddress);
            }
            if (host.equals("*") || host.equals(target)) {
                return true;
            }
            return suffix && targetAddress == null && target.endsWith("." + host);
        }

        private boolean inRange(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private HttpProxies(Endpoint http, Endpoint https, List<Rule> noProxy, List<String> warnings) {
        this.http = http;
        this.https = https;
        this.noProxy = List.copyOf(noProxy);
        this.warnings = List.copyOf(warnings);
    }

    /**
     * The selector for a value of {@code fairway.http.proxy} and an environment.
     *
     * @param configured the value of {@code fairway.http.proxy}: {@link #AUTO}, {@link #NONE} or a URL
     * @param environment looks up environment variables; null for unset ones
     * @return the selector: this class when a proxy is configured, else the JDK's default
     *     ({@code auto} without variables) or a direct one ({@code none})
     * @throws InvalidConfigurationException naming the key or variable when a proxy URL is bad; the
     *     message never shows user info
     */
    public static ProxySelector create(String configured, Function<String, String> environment) {
        Objects.requireNonNull(configured, "configured");
        Objects.requireNonNull(environment, "environment");
        String value = configured.trim();
        if (value.equalsIgnoreCase(NONE)) {
            return ProxySelector.of(null);
        }
        List<String> warnings = new ArrayList<>();
        Endpoint http;
        Endpoint https;
        if (value.equalsIgnoreCase(AUTO)) {
            https = variable(environment, "https_proxy", warnings);
            http = variable(environment, "http_proxy", warnings);
            if (http == null && https == null) {
                ProxySelector jdk = ProxySelector.getDefault();
                return jdk != null ? jdk : ProxySelector.of(null);
            }
        } else {
            http = endpoint(value, ConfigKeys.HTTP_PROXY.name(), warnings);
            https = http;
        }
        String noProxyName = firstSet(environment, "no_proxy");
        List<Rule> rules = noProxyName == null ? List.of() : rules(environment.apply(noProxyName));
        return new HttpProxies(http, https, rules, warnings);
    }

    /**
     * What this selector does, for the log at start-up: never user info.
     *
     * @return for example {@code https via http://proxy.corp:3128 (HTTPS_PROXY); http direct; NO_PROXY: .corp, 10.0.0.7}
     */
    public String describe() {
        return "https " + (https == null ? "direct" : "via " + https) + "; http "
                + (http == null ? "direct" : "via " + http)
                + (noProxy.isEmpty() ? "" : "; not for NO_PROXY: " + String.join(", ",
                        noProxy.stream().map(HttpProxies::text).toList()))
                + "; never for loopback";
    }

    /**
     * What the log should warn about: a proxy URL with user info, whose credentials are not sent.
     *
     * @return one line each, never showing the credentials
     */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public List<Proxy> select(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean secure = scheme.equals("https") || scheme.equals("wss");
        Endpoint endpoint = secure ? https : scheme.equals("http") || scheme.equals("ws") ? http : null;
        String host = normalizeHost(uri.getHost());
        if (endpoint == null || host.isEmpty() || isLoopback(host)) {
            return DIRECT;
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : secure ? 443 : 80;
        byte[] address = isIpLiteral(host) ? literal(host).map(InetAddress::getAddress).orElse(null) : null;
        for (Rule rule : noProxy) {
            if (rule.matches(host, port, address)) {
                return DIRECT;
            }
        }
        return List.of(endpoint.proxy());
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
        // Nothing to learn: there is one proxy per scheme, and the provider reports the failure.
    }

    @Override
    public String toString() {
        return "HttpProxies[" + describe() + "]";
    }

    private static Endpoint variable(Function<String, String> environment, String lowerName, List<String> warnings) {
        String name = firstSet(environment, lowerName);
        return name == null ? null : endpoint(environment.apply(name).trim(), name, warnings);
    }

    /** The lower-case variable if set, else the upper-case one, else null. */
    private static String firstSet(Function<String, String> environment, String lowerName) {
        for (String name : List.of(lowerName, lowerName.toUpperCase(Locale.ROOT))) {
            String value = environment.apply(name);
            if (value != null && !value.isBlank()) {
                return name;
            }
        }
        return null;
    }

    private static Endpoint endpoint(String value, String source, List<String> warnings) {
        String text = value.contains("://") ? value : "http://" + value;
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidConfigurationException(source, withoutUserInfo(value), ALLOWED);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            throw new InvalidConfigurationException(source, withoutUserInfo(value), ALLOWED
                    + "; the JDK's HTTP client speaks plain HTTP to a proxy (no " + scheme + "://)");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty() || (uri.getRawPath() != null && !uri.getRawPath().isEmpty()
                && !uri.getRawPath().equals("/")) || uri.getRawQuery() != null) {
            throw new InvalidConfigurationException(source, withoutUserInfo(value), ALLOWED);
        }
        if (uri.getRawUserInfo() != null) {
            warnings.add("the proxy URL in " + source + " carries credentials, which Fairway does not send"
                    + " (proxy authentication is not supported): a proxy that requires them will answer 407");
        }
        return new Endpoint(normalizeHost(host), uri.getPort() >= 0 ? uri.getPort() : 80, source);
    }

    /**
     * A text with the user info of any URL in it replaced by {@code ***}.
     *
     * @param text for example {@code http://user:secret@proxy:3128}
     * @return for example {@code http://***@proxy:3128}
     */
    public static String withoutUserInfo(String text) {
        return text.replaceAll("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s]*@", "$1***@");
    }

    private static List<Rule> rules(String list) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : list.split(",")) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                rules.add(new Rule("*", false, -1));
                continue;
            }
            if (entry.indexOf('/') >= 0) {
                range(entry).ifPresent(rules::add);
                continue;
            }
            int port = -1;
            String host = entry;
            if (entry.startsWith("[")) {
                int close = entry.indexOf(']');
                if (close < 0) {
                    continue;
                }
                host = entry.substring(1, close);
                port = port(entry.substring(close + 1));
            } else if (entry.indexOf(':') >= 0 && entry.indexOf(':') == entry.lastIndexOf(':')) {
                host = entry.substring(0, entry.indexOf(':'));
                port = port(entry.substring(entry.indexOf(':')));
            }
            if (port == -2) {
                continue;
            }
            if (host.startsWith("*.")) {
                host = host.substring(1);
            }
            boolean suffix = !isIpLiteral(host.startsWith(".") ? host.substring(1) : host);
            host = normalizeHost(host.startsWith(".") ? host.substring(1) : host);
            if (!host.isEmpty()) {
                rules.add(new Rule(host, suffix, port));
            }
        }
        return rules;
    }

    /** An IP range such as {@code 10.0.0.0/8} or {@code fd00::/8}; empty (the entry is skipped) when unreadable. */
    private static Optional<Rule> range(String entry) {
        String[] parts = entry.split("/", -1);
        if (parts.length != 2 || !parts[1].matches("\\d{1,3}") || !isIpLiteral(parts[0])) {
            return Optional.empty();
        }
        Optional<InetAddress> network = literal(parts[0]);
        int prefix = Integer.parseInt(parts[1]);
        if (network.isEmpty() || prefix > network.get().getAddress().length * 8) {
            return Optional.empty();
        }
        return Optional.of(new Rule(network.get().getHostAddress() + "/" + prefix, false, -1,
                network.get().getAddress(), prefix));
    }

    /** The port after a colon; -1 for none, -2 for an unreadable one (the entry is skipped). */
    private static int port(String colonAndPort) {
        if (colonAndPort.isEmpty()) {
            return -1;
        }
        if (!colonAndPort.matches(":\\d{1,5}")) {
            return -2;
        }
        int port = Integer.parseInt(colonAndPort.substring(1));
        return port <= 65_535 ? port : -2;
    }

    private static String text(Rule rule) {
        if (rule.network() != null) {
            return rule.host();
        }
        String host = rule.host().contains(":") ? "[" + rule.host() + "]" : rule.host();
        return (rule.suffix() ? "." : "") + host + (rule.port() >= 0 ? ":" + rule.port() : "");
    }

    /** Lower case, without IPv6 brackets or a trailing dot; IPv6 literals in their canonical form. */
    private static String normalizeHost(String host) {
        if (host == null) {
            return "";
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.indexOf(':') >= 0) {
            Optional<InetAddress> address = literal(h);
            if (address.isPresent()) {
                return address.get().getHostAddress();
            }
        }
        return h;
    }

    private static boolean isIpLiteral(String host) {
        return IPV4.matcher(host).matches() || host.indexOf(':') >= 0;
    }

    private static boolean isLoopback(String host) {
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return true;
        }
        return isIpLiteral(host) && literal(host).map(InetAddress::isLoopbackAddress).orElse(false);
    }

    /**
     * An IP literal as an address, without a DNS lookup: dotted quads are checked to be in range, and
     * the JDK parses a text with a colon as an IPv6 literal only.
     */
    private static Optional<InetAddress> literal(String host) {
        if (IPV4.matcher(host).matches()) {
            for (String octet : host.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return Optional.empty();
                }
            }
        } else if (host.indexOf(':') < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(host));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}

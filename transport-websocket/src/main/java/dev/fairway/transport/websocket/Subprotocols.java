package dev.fairway.transport.websocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The WebSocket subprotocols of the session endpoint: {@value #PROTOCOL}, which the server selects when the
 * client offers it, and {@value #TOKEN_PREFIX}{@code <base64url(token)>}, how a browser sends its API token.
 *
 * <p>Why a subprotocol: a browser's {@code WebSocket} cannot set an {@code Authorization} header, and a token in
 * the query string ends up in access and proxy logs and in the browser's history. The one header a page can set
 * on the handshake is {@code Sec-WebSocket-Protocol} ({@code new WebSocket(url, ["fairway.v1", "token.…"])}).
 * A subprotocol is an RFC 7230 token, which a configured token (any printable ASCII) need not be, so the token
 * travels base64url-encoded without padding (Kubernetes' API server sends bearer tokens the same way). The
 * server never selects, and so never echoes, the token entry: it answers {@value #PROTOCOL}, and a browser
 * that offered subprotocols fails a handshake whose answer names none, so clients offer both.
 */
final class Subprotocols {

    /** The protocol of {@code /v1/session} (versions 1 and 2 of {@code start} both speak it). */
    static final String PROTOCOL = "fairway.v1";
    /** Prefix of the entry that carries a token. */
    static final String TOKEN_PREFIX = "token.";

    private Subprotocols() {
    }

    /**
     * The entries of {@code Sec-WebSocket-Protocol} headers.
     *
     * @param headerValues the header's values (each may list several, comma-separated)
     * @return the entries, trimmed, in order
     */
    static List<String> entries(List<String> headerValues) {
        List<String> entries = new ArrayList<>();
        for (String value : headerValues) {
            for (String entry : value.split(",")) {
                String e = entry.trim();
                if (!e.isEmpty()) {
                    entries.add(e);
                }
            }
        }
        return entries;
    }

    /**
     * The tokens the entries carry.
     *
     * @param entries offered subprotocols
     * @return each decoded token (entries that do not decode are left out)
     */
    static List<String> tokens(List<String> entries) {
        List<String> tokens = new ArrayList<>();
        for (String entry : entries) {
            if (entry.startsWith(TOKEN_PREFIX) && entry.length() > TOKEN_PREFIX.length()) {
                decode(entry.substring(TOKEN_PREFIX.length())).ifPresent(tokens::add);
            }
        }
        return tokens;
    }

    private static Optional<String> decode(String encoded) {
        try {
            return Optional.of(new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The entry that carries a token, as a client builds it.
     *
     * @param token the API token
     * @return {@code token.<base64url(token) without padding>}
     */
    static String tokenEntry(String token) {
        return TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }
}

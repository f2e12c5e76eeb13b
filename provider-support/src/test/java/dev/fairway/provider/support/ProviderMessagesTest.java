package dev.fairway.provider.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.TransientProviderException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProviderMessagesTest {

    private static final String SECRET = "sk-secret-0123456789";

    @Test
    void redactRemovesCredentialsAndShortens() {
        String text = "key " + SECRET + " rejected;\n Authorization: Bearer abc.def and sk-other-key " + "x".repeat(500);
        String safe = ProviderMessages.redact(text, SECRET);
        assertFalse(safe.contains(SECRET), safe);
        assertFalse(safe.contains("abc.def"), safe);
        assertFalse(safe.contains("sk-other-key"), safe);
        assertFalse(safe.contains("\n"), safe);
        assertEquals(ProviderMessages.EXCERPT_LENGTH + 3, safe.length(), safe);
        assertEquals("no secret here", ProviderMessages.redact("no secret here", ""));
        assertEquals("(empty body)", ProviderMessages.excerpt("  ", SECRET));
    }

    @Test
    void exchangeFailuresNameTheServerAndTheKey() {
        TransientProviderException connect = ProviderMessages.exchangeFailed("Acme", "fairway.provider.acme",
                Duration.ofSeconds(2), Duration.ofSeconds(30), SECRET, new HttpConnectTimeoutException("slow"));
        assertEquals("could not connect to Acme within fairway.provider.acme.connect-timeout (2s)", connect.getMessage());
        TransientProviderException timeout = ProviderMessages.exchangeFailed("Acme", "fairway.provider.acme",
                Duration.ofSeconds(2), Duration.ofSeconds(30), SECRET, new HttpTimeoutException("late"));
        assertEquals("Acme did not answer within fairway.provider.acme.request-timeout (30s)", timeout.getMessage());
        TransientProviderException refused = ProviderMessages.exchangeFailed("Acme", "fairway.provider.acme",
                Duration.ofSeconds(2), Duration.ofSeconds(30), SECRET, new ConnectException("refused " + SECRET));
        assertTrue(refused.getMessage().startsWith("could not connect to Acme (ConnectException: refused"),
                refused.getMessage());
        assertFalse(refused.getMessage().contains(SECRET), refused.getMessage());
    }
}

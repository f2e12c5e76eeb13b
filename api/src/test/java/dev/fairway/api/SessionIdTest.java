package dev.fairway.api;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SessionIdTest {

    @Test
    void randomIdsDiffer() {
        assertNotEquals(SessionId.random(), SessionId.random());
    }

    @Test
    void idWithSpacesIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> SessionId.of("a b"));
        assertTrue(e.getMessage().contains("'a b'"), e.getMessage());
    }

    @Test
    void overlongIdIsRefusedWithAbbreviatedValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> SessionId.of("x".repeat(500)));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
    }
}

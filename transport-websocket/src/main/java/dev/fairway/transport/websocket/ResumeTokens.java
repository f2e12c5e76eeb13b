package dev.fairway.transport.websocket;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Resume tokens: {@code base64url(epoch) "." base64url(32 random bytes)}, without padding. The epoch part lets a
 * resume minted before the store lost its data be told apart ({@code epoch_changed}) without a store lookup;
 * the random part is the secret. The store keeps only the token's SHA-256.
 */
final class ResumeTokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final int SECRET_BYTES = 32;

    private ResumeTokens() {
    }

    static String mint(String epoch) {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return ENCODER.encodeToString(epoch.getBytes(StandardCharsets.UTF_8)) + "." + ENCODER.encodeToString(secret);
    }

    /**
     * The epoch a token was minted in.
     *
     * @return the epoch, or null when the token is not one of ours
     */
    static String epochOf(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0 || dot == token.length() - 1) {
            return null;
        }
        try {
            return new String(DECODER.decode(token.substring(0, dot)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

package dev.fairway.core.limiter.internal;

import java.util.OptionalLong;

/** The arithmetic of believing a provider's rate-limit feedback, shared by the limiter stores. */
public final class Calibration {

    private Calibration() {
    }

    /**
     * What the provider's feedback leaves to a limiter's budget. With the provider's limit,
     * {@code limit - remaining} is what the account used, and what is left is the limiter's own limit
     * (the provider's less the safety margin) less that, never more than the provider's remaining.
     *
     * @param providerLimit the provider's limit, if it said
     * @param remaining what the provider says is left
     * @param ourLimit the limiter's own limit
     * @return what is left to the limiter
     */
    public static long left(OptionalLong providerLimit, long remaining, long ourLimit) {
        long left = remaining;
        if (providerLimit.isPresent()) {
            long accountUsed = Math.max(0, providerLimit.getAsLong() - left);
            left = Math.min(left, Math.max(0, ourLimit - accountUsed));
        }
        return left;
    }
}

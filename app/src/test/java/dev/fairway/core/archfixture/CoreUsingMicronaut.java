package dev.fairway.core.archfixture;

import io.micronaut.context.BeanContext;

/** Architecture fixture: a "core" class that knows the DI container. Never loaded by Fairway. */
public final class CoreUsingMicronaut {

    private CoreUsingMicronaut() {
    }

    /**
     * @param context a bean context
     * @return whether it runs
     */
    public static boolean running(BeanContext context) {
        return context.isRunning();
    }
}

package dev.fairway.core.archfixture;

import dev.fairway.app.wiring.Plugins;

/** Architecture fixture: a "core" class that reaches into the composition root. */
public final class CoreUsingApp {

    private CoreUsingApp() {
    }

    /**
     * @param plugins the plugins
     * @return how many providers there are
     */
    public static int providers(Plugins plugins) {
        return plugins.providers().size();
    }
}

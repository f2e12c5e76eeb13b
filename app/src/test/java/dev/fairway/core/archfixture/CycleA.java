package dev.fairway.core.archfixture;

import dev.fairway.provider.archfixture.CycleB;

/** Architecture fixture: one half of a cycle between two modules. */
public final class CycleA {

    private CycleA() {
    }

    /**
     * @return the other half's name
     */
    public static String other() {
        return CycleB.class.getName();
    }
}

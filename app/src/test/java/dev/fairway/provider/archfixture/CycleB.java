package dev.fairway.provider.archfixture;

import dev.fairway.core.archfixture.CycleA;

/** Architecture fixture: the other half of a cycle between two modules. */
public final class CycleB {

    private CycleB() {
    }

    /**
     * @return the other half's name
     */
    public static String other() {
        return CycleA.class.getName();
    }
}

package dev.fairway.test.archfixture;

import dev.fairway.core.archfixture.CoreUsingApp;

/** Architecture fixture: "test-support" that depends on a core module instead of the API only. */
public final class TestSupportUsingCore {

    private TestSupportUsingCore() {
    }

    /**
     * @return a core class's name
     */
    public static String core() {
        return CoreUsingApp.class.getName();
    }
}

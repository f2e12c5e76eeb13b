package dev.fairway.core.archfixture;

import dev.fairway.test.archfixture.TestSupportUsingCore;

/** Architecture fixture: main code of a "core" that uses test-support. */
public final class CoreUsingTestSupport {

    private CoreUsingTestSupport() {
    }

    /**
     * @return a test-support class's name
     */
    public static String helper() {
        return TestSupportUsingCore.class.getName();
    }
}

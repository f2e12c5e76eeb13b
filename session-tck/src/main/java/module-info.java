/**
 * Fairway's session store contract test kit: {@link dev.fairway.session.tck.SessionStoreContract}, a JUnit 5
 * abstract test class that every {@link dev.fairway.api.session.SessionStore} runs (records, journal order,
 * settling, trim, end, prune, concurrent writers, group commit, durability across a reopen, the epoch).
 *
 * <p>It is a test library: store modules depend on it in test scope, so it knows the API only.
 */
module dev.fairway.session.tck {
    requires transitive dev.fairway.api;
    requires transitive org.junit.jupiter.api;

    exports dev.fairway.session.tck;

    uses dev.fairway.api.session.SessionStoreFactory;
}

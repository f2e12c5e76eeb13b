/**
 * Fairway's durable sessions: {@link dev.fairway.session.store.MemorySessionStoreFactory}, the {@code memory}
 * {@link dev.fairway.api.session.SessionStore} (sessions resume across a dropped connection, not across a
 * restart). It depends on the API only.
 */
module dev.fairway.session.store {
    requires transitive dev.fairway.api;

    exports dev.fairway.session.store;

    provides dev.fairway.api.session.SessionStoreFactory with dev.fairway.session.store.MemorySessionStoreFactory;
}

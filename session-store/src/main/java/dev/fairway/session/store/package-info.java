/**
 * Durable sessions: the {@code memory} session store.
 */
package dev.fairway.session.store;

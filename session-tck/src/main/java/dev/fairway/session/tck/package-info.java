/**
 * The session store contract: extend {@link dev.fairway.session.tck.SessionStoreContract} and name the
 * store's factory.
 */
package dev.fairway.session.tck;

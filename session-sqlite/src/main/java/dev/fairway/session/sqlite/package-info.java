/**
 * The {@code sqlite} session store.
 */
package dev.fairway.session.sqlite;

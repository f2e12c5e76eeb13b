/**
 * The {@code redis} session store.
 */
package dev.fairway.session.redis;

/**
 * Durable sessions: the journal that lets a session outlive its connection, its node's restart and its
 * node's crash. A {@link dev.fairway.api.session.SessionStore} keeps each session's record, every final
 * accepted (written before the client hears it was accepted) and every outcome (written before it is
 * delivered), so a client that comes back with its resume token gets every outcome it missed, in order, and
 * finals accepted without an outcome are translated again. Stores are plugins found with
 * {@link java.util.ServiceLoader} through {@link dev.fairway.api.session.SessionStoreFactory}.
 */
package dev.fairway.api.session;

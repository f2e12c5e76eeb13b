/**
 * Admission control: the node measures its own saturation (scheduling lag of its threads, queue wait of the
 * work it dispatched, heap after garbage collection) and, past configured thresholds, refuses new sessions at
 * the handshake while the sessions it holds keep their service.
 */
package dev.fairway.app.overload;

/**
 * Fairway transport-websocket. Its contents arrive with its issue; see the README's module table.
 */
module dev.fairway.transport.websocket {
    requires transitive dev.fairway.api;
}

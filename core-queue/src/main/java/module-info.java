/**
 * Fairway core-queue. Its contents arrive with its issue; see the README's module table.
 */
module dev.fairway.core.queue {
    requires transitive dev.fairway.api;
}

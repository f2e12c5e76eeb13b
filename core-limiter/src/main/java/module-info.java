/**
 * Fairway core-limiter. Its contents arrive with its issue; see the README's module table.
 */
module dev.fairway.core.limiter {
    requires transitive dev.fairway.api;
}

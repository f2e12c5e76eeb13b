/**
 * What Fairway's rate limiter stores share beyond the public settings: the bucket ring their sliding
 * windows and per-session usage are kept in, the layout of their permits, the arithmetic of a
 * provider's calibration and the count of 429s in a row behind the back-off.
 * Exported to limiter-redis only; not an API.
 */
package dev.fairway.core.limiter.internal;

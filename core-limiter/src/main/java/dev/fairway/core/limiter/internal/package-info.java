/**
 * What Fairway's rate limiter stores share beyond the public settings: the bucket ring their sliding
 * windows and per-session usage are kept in, the layout of their permits and the arithmetic of a
 * provider's calibration. Exported to limiter-redis only; not an API.
 */
package dev.fairway.core.limiter.internal;

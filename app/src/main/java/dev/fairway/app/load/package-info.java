/**
 * {@code fairway load}: drives many concurrent translation sessions over real WebSockets with a
 * speech-like pattern (partials that grow word by word, a final every few partials) and reports
 * per-session latency percentiles (HdrHistogram), throughput shares, Jain's fairness index and whether
 * any accepted final was lost.
 */
package dev.fairway.app.load;

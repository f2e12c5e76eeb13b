/**
 * A serving node's metrics besides those its modules register themselves: the scheduler's status, the rate
 * limiter's stats and the session store read at collection time, each session's outcomes recorded as they are
 * handed over, and the stop; the bucket boundaries of every latency histogram. Names and units:
 * docs/operations.md, "Metrics and traces".
 */
package dev.fairway.app.metrics;

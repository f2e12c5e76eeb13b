/**
 * JMH benchmarks of the fair scheduler ({@code fairway-core-queue}) beside a plain FIFO thread-pool
 * executor measured in the same run. Run them with {@code benchmarks/run queue}; results are in
 * {@code core-queue/README.md}.
 */
package dev.fairway.benchmarks.queue;

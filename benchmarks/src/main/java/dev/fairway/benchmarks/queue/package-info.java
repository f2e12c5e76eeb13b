/**
 * JMH benchmarks of the fair scheduler ({@code fairway-core-queue}) beside a plain FIFO thread-pool
 * executor measured in the same run, and two what-ifs that are not Fairway's scheduler (independent
 * partitions; a sketch without a scheduler-wide lock) that show what the scheduler's one lock costs.
 * Run them with {@code benchmarks/run queue}; results are in {@code core-queue/README.md}.
 */
package dev.fairway.benchmarks.queue;

/**
 * JMH benchmarks of Fairway's hot paths beside peer libraries measured in the same run. See the
 * module's README for the command and for what each benchmark measures.
 */
package dev.fairway.benchmarks;

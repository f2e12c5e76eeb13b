/**
 * The performance regression gate ({@code benchmarks/run gate}): the committed baseline of Fairway-to-peer
 * ratios, JMH's JSON results read back, and the verdict; also {@link dev.fairway.benchmarks.gate.JmhRun}, the
 * JMH command line that writes both JSON and CSV for {@code benchmarks/run}. Needs only the JDK and this jar.
 */
package dev.fairway.benchmarks.gate;

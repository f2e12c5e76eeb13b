/**
 * The fake translation provider. {@link dev.fairway.provider.fake.FakeProviderFactory} is the
 * {@link java.util.ServiceLoader} entry point ({@code fake}); {@link dev.fairway.provider.fake.FakeProvider}
 * is the provider, built from configuration or with its builder; a {@link dev.fairway.provider.fake.Sleeper}
 * over a clock driven by hand (test-support's {@code ManualClock}) lets tests spend the simulated latency
 * instantly.
 */
package dev.fairway.provider.fake;

/**
 * The fake translation provider. {@link dev.fairway.provider.fake.FakeProviderFactory} is the
 * {@link java.util.ServiceLoader} entry point ({@code fake}); {@link dev.fairway.provider.fake.FakeProvider}
 * is the provider, built from configuration or with its builder; {@link dev.fairway.provider.fake.Sleeper}
 * and {@link dev.fairway.provider.fake.ManualClock} let tests spend the simulated latency instantly
 * on a clock they drive by hand.
 */
package dev.fairway.provider.fake;

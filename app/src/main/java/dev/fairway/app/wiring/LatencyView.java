package dev.fairway.app.wiring;

import dev.fairway.app.metrics.Instruments;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.View;

/**
 * Every Fairway histogram in milliseconds ({@code fairway.*}, whichever module registers it) gets the buckets
 * of {@link Instruments#LATENCY_BUCKETS_MS} (5 ms to 60 s) instead of the SDK's defaults, which put nearly every
 * translation in two buckets.
 */
final class LatencyView {

    private LatencyView() {
    }

    static SdkMeterProviderBuilder register(SdkMeterProviderBuilder builder) {
        return builder.registerView(
                InstrumentSelector.builder().setType(InstrumentType.HISTOGRAM).setName("fairway.*").setUnit("ms")
                        .build(),
                View.builder().setAggregation(Aggregation.explicitBucketHistogram(Instruments.LATENCY_BUCKETS_MS))
                        .build());
    }
}

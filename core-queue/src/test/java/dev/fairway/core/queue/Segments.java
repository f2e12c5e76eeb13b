package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.TranslationRequest;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;

/** Sessions and segments for the tests of the lifecycle's parts, without a scheduler around them. */
final class Segments {

    /** The builder's defaults, with {@code minRequestInterval} as given. */
    static Settings settings(long minRequestIntervalNanos) {
        return new Settings(4, minRequestIntervalNanos, 32, 1, 2_000_000_000L, 1000, 5, 250_000_000L,
                8_000_000_000L, 60_000_000_000L, 60_000_000_000L, true, BatchMode.OFF, 8, 4000);
    }

    static SessionQueue session(String id) {
        return new SessionQueue(null, SessionId.of(id), SessionOptions.of("en", "fr"), new SessionListener() {
            @Override
            public void onTranslation(dev.fairway.api.Translation translation) {
            }

            @Override
            public void onFailure(dev.fairway.api.SegmentFailure failure) {
            }
        }, SpanContext.getInvalid());
    }

    static Segment segment(SessionQueue s, SegmentKind kind, long sequence, long acceptedAt) {
        TranslationRequest request = new TranslationRequest(s.id, kind, sequence, "text " + sequence, "en", "fr", 10);
        return new Segment(s, request, -1, acceptedAt, 0, Span.getInvalid(), Context.root(), null);
    }

    /** A session with a pending partial: ready to dispatch. */
    static SessionQueue ready(String id, long now) {
        SessionQueue s = session(id);
        s.pendingPartial = segment(s, SegmentKind.PARTIAL, 1, now);
        return s;
    }

    private Segments() {
    }
}

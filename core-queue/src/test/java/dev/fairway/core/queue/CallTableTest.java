package dev.fairway.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The deduplication table against a {@link HashMap} over seeded random operations, with many collisions. */
class CallTableTest {

    private static final SessionState SESSION = new SessionState(null, SessionId.of("s"), SessionOptions.of("en", "fr"),
            new SessionListener() {
                @Override
                public void onTranslation(Translation translation) {
                }

                @Override
                public void onFailure(SegmentFailure failure) {
                }
            });

    private static Call call(String text, long sequence) {
        TranslationRequest request = new TranslationRequest(SESSION.id, SegmentKind.FINAL, sequence, text, "en", "fr", 5);
        DedupKey key = DedupKey.of("fake", "m", request);
        Item item = new Item(SESSION, request, 0, Span.getInvalid(), Context.root(), key);
        return new Call(null, item, 0, 0, key);
    }

    @Test
    void behavesLikeAHashMapOfTheCallsInFlight() {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            CallTable table = new CallTable(4);
            Map<DedupKey, Call> model = new HashMap<>();
            List<Call> live = new ArrayList<>();
            for (int step = 0; step < 5_000; step++) {
                // Few distinct texts, so keys repeat and probe runs form and break up.
                String text = "text " + random.nextInt(40);
                int op = random.nextInt(3);
                if (op == 0) {
                    Call c = call(text, step + 1);
                    table.put(c);
                    model.put(c.key, c);
                    live.add(c);
                } else if (op == 1 && !live.isEmpty()) {
                    Call c = live.remove(random.nextInt(live.size()));
                    table.remove(c);
                    if (model.get(c.key) == c) {
                        model.remove(c.key);
                    }
                } else {
                    DedupKey key = call(text, step + 1).key;
                    assertSame(model.get(key), table.get(key), "seed " + seed + ", step " + step);
                }
                assertEquals(model.size(), table.size(), "seed " + seed + ", step " + step);
            }
            for (Call c : model.values()) {
                assertSame(c, table.get(c.key), "seed " + seed);
            }
        }
    }

    @Test
    void removingACallThatWasReplacedLeavesItsSuccessor() {
        CallTable table = new CallTable(1);
        Call first = call("same", 1);
        Call second = call("same", 2);
        table.put(first);
        table.put(second);
        table.remove(first);
        assertSame(second, table.get(first.key));
        table.remove(second);
        assertNull(table.get(first.key));
        assertEquals(0, table.size());
    }
}

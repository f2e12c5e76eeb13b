package dev.fairway.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchAnswerTest {

    private static final long SEED = 20261208L;

    @Test
    void withoutDefectsEverySegmentIsAnsweredUnderItsOwnIdInOrder() {
        List<BatchAnswer.Part> parts = BatchAnswer.write(5, 0, 0, new SplittableRandom(1));
        assertEquals(IntStream.range(0, 5).mapToObj(i -> new BatchAnswer.Part(i, i + 1)).toList(), parts);
    }

    /**
     * Whatever the rates and the draws, the id check accepts a part only for the segment whose text it holds:
     * the injected defects are ones the check catches, and each costs exactly the segments it touches.
     */
    @Test
    void checkNeverTakesOnePartForAnothersAnswer() {
        SplittableRandom cases = new SplittableRandom(SEED);
        for (int c = 0; c < 20_000; c++) {
            int segments = 2 + cases.nextInt(15);
            double misnumberRate = cases.nextInt(3) / 2.0;
            double dropRate = cases.nextInt(3) / 2.0;
            long seed = cases.nextLong();
            String what = "case " + c + " (seed " + SEED + "): " + segments + " segments, misnumber " + misnumberRate
                    + ", drop " + dropRate + ", answer seed " + seed;
            List<BatchAnswer.Part> parts = BatchAnswer.write(segments, misnumberRate, dropRate, new SplittableRandom(seed));
            BatchIdCheck check = new BatchIdCheck(segments);
            int accepted = 0;
            int misnumbered = 0;
            int previous = -1;
            for (BatchAnswer.Part part : parts) {
                assertTrue(part.segment() > previous, what + ": parts in the segments' order");
                previous = part.segment();
                if (part.id() != BatchAnswer.id(part.segment())) {
                    misnumbered++;
                }
                int segment = check.accept(part.id());
                if (segment >= 0) {
                    assertEquals(part.segment(), segment, what);
                    accepted++;
                }
            }
            int dropped = segments - parts.size();
            assertTrue(misnumbered <= 1 && dropped <= 1, what);
            assertEquals(segments - misnumbered - dropped, accepted, what);
            if (misnumberRate == 1) {
                assertEquals(1, misnumbered, what);
            }
            if (misnumberRate == 0) {
                assertEquals(0, misnumbered, what);
            }
            if (dropRate == 0) {
                assertEquals(0, dropped, what);
            }
            List<String> problems = check.finish();
            assertEquals(misnumbered + misnumbered + dropped, problems.size(), what + ": " + problems);
        }
    }
}

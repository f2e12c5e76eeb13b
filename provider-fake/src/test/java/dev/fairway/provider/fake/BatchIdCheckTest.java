package dev.fairway.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchIdCheckTest {

    @Test
    void wellNumberedAnswerHasNoProblems() {
        BatchIdCheck check = new BatchIdCheck(3);
        assertEquals(0, check.accept(1));
        assertEquals(1, check.accept(2));
        assertEquals(2, check.accept(3));
        assertEquals(List.of(), check.finish());
    }

    @Test
    void unknownIdIsRejectedAndItsSegmentMissing() {
        BatchIdCheck check = new BatchIdCheck(3);
        assertEquals(0, check.accept(1));
        assertEquals(-1, check.accept(7));
        assertEquals(-1, check.accept(0));
        assertEquals(2, check.accept(3));
        assertEquals(List.of(
                "unknown id 7 in the answer (the call gave ids 1 to 3); the part is ignored",
                "unknown id 0 in the answer (the call gave ids 1 to 3); the part is ignored",
                "no answer for id 2 (segment 1)"), check.finish());
    }

    @Test
    void repeatedIdKeepsTheFirstPart() {
        BatchIdCheck check = new BatchIdCheck(3);
        assertEquals(0, check.accept(1));
        assertEquals(-1, check.accept(1));
        assertEquals(2, check.accept(3));
        assertEquals(List.of("id 1 answered twice; the later part is ignored", "no answer for id 2 (segment 1)"),
                check.finish());
    }
}

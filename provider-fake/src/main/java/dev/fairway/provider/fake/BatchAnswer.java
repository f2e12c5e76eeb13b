package dev.fairway.provider.fake;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the fake model writes for a batch call: one part per segment, in the order of the request, each under
 * the id the call gave its segment ({@link #id(int) index + 1}). With the configured probabilities the answer
 * has defects: one part written under a wrong id, one part left out.
 *
 * <p>A wrong id is either one the call never gave, or the id of an earlier segment of the same answer (a
 * duplicate). Both are defects that an id check can catch ({@link BatchIdCheck}): the earlier segment's own part
 * comes first and is accepted, so its repeat is rejected. Two parts with swapped ids, which no id check can
 * catch, are never written; nor is the part of a segment whose id another part repeats left out, since the
 * repeat would then pass for that segment's answer.
 */
final class BatchAnswer {

    private BatchAnswer() {
    }

    /**
     * One part of the answer.
     *
     * @param segment the index of the segment whose translation this part holds
     * @param id the id the part is written under; {@code id(segment)} unless it is misnumbered
     */
    record Part(int segment, int id) {
    }

    /**
     * The id the call gives a segment.
     *
     * @param segment the segment's index in the request
     * @return {@code segment + 1}
     */
    static int id(int segment) {
        return segment + 1;
    }

    /**
     * Writes the answer's parts.
     *
     * @param segments the number of segments in the call, >= 2
     * @param misnumberRate the probability that one part is written under a wrong id
     * @param dropRate the probability that one part is left out
     * @param random the call's own random source; not used when both rates are 0
     * @return the parts in the order the answer holds them
     */
    static List<Part> write(int segments, double misnumberRate, double dropRate, SplittableRandom random) {
        int misnumbered = -1;
        int wrongId = 0;
        int repeated = -1;
        if (misnumberRate > 0 && random.nextDouble() < misnumberRate) {
            misnumbered = random.nextInt(segments);
            if (misnumbered > 0 && random.nextBoolean()) {
                repeated = random.nextInt(misnumbered);
                wrongId = id(repeated);
            } else {
                wrongId = segments + 1 + random.nextInt(segments);
            }
        }
        int dropped = -1;
        if (dropRate > 0 && random.nextDouble() < dropRate) {
            dropped = pickOtherThan(segments, misnumbered, repeated, random);
        }
        List<Part> parts = new ArrayList<>(segments);
        for (int segment = 0; segment < segments; segment++) {
            if (segment == dropped) {
                continue;
            }
            parts.add(new Part(segment, segment == misnumbered ? wrongId : id(segment)));
        }
        return parts;
    }

    /** A uniform index of {@code 0..segments-1} other than {@code a} and {@code b} (each -1 for none), or -1. */
    private static int pickOtherThan(int segments, int a, int b, SplittableRandom random) {
        int excluded = (a >= 0 ? 1 : 0) + (b >= 0 ? 1 : 0);
        int choices = segments - excluded;
        if (choices <= 0) {
            return -1;
        }
        int k = random.nextInt(choices);
        for (int segment = 0; segment < segments; segment++) {
            if (segment == a || segment == b) {
                continue;
            }
            if (k-- == 0) {
                return segment;
            }
        }
        throw new AssertionError("unreachable");
    }
}

package dev.fairway.provider.fake;

import java.util.ArrayList;
import java.util.List;

/**
 * The check a provider's client runs on a batch answer as it streams in, part by part: a part answers the
 * segment its id names only when the call gave that id and no earlier part used it. Rejected parts and ids
 * left without an answer are the call's problems, one line each. Not thread-safe: one per call.
 */
final class BatchIdCheck {

    private final boolean[] answered;
    private final List<String> problems = new ArrayList<>();

    /**
     * @param segments the number of segments in the call; their ids are 1 to {@code segments}
     */
    BatchIdCheck(int segments) {
        answered = new boolean[segments];
    }

    /**
     * Checks the next part of the answer.
     *
     * @param id the id the part is written under
     * @return the index of the segment it answers, or -1 when it is rejected (and a problem recorded)
     */
    int accept(int id) {
        int segment = id - 1;
        if (segment < 0 || segment >= answered.length) {
            problems.add("unknown id " + id + " in the answer (the call gave ids 1 to " + answered.length
                    + "); the part is ignored");
            return -1;
        }
        if (answered[segment]) {
            problems.add("id " + id + " answered twice; the later part is ignored");
            return -1;
        }
        answered[segment] = true;
        return segment;
    }

    /**
     * Ends the answer.
     *
     * @return the problems in the order found, then one line for each segment without an answer
     */
    List<String> finish() {
        List<String> all = new ArrayList<>(problems);
        for (int segment = 0; segment < answered.length; segment++) {
            if (!answered[segment]) {
                all.add("no answer for id " + BatchAnswer.id(segment) + " (segment " + segment + ")");
            }
        }
        return all;
    }
}

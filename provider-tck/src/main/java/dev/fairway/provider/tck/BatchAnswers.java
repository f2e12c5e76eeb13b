package dev.fairway.provider.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a script's batch answers ({@link ProviderScript#answerBatch}): from the segments the script found in a
 * batch request, the parts of the answer, one spoiled as the kit asked, and their JSON in the shape Fairway's HTTP
 * providers ask for ({@code {"translations":[{"id":"0","text":"..."}, ...]}}, see provider-support's
 * {@code BatchPrompts}). A script wraps that JSON in its API's answer (a streamed message content, a tool call's
 * input, ...).
 */
public final class BatchAnswers {

    private BatchAnswers() {
    }

    /**
     * A segment of a batch request, or its part in the answer: an id and a text.
     *
     * @param id the id the request gave the segment (in an answer: the id the part names)
     * @param text the source text (in an answer: the translation)
     */
    public record Part(String id, String text) {

        /** Checks both are present. */
        public Part {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A batch answer.
     *
     * @param parts the parts, in the order written
     * @param cutInside the position in {@code parts} of the part in whose text the answer stops, or -1 for an
     *     answer written whole
     */
    public record Answer(List<Part> parts, int cutInside) {

        /** Copies the parts. */
        public Answer {
            parts = List.copyOf(parts);
            if (cutInside < -1 || cutInside >= parts.size()) {
                throw new IllegalArgumentException("cutInside must be -1 or a position in parts, was " + cutInside);
            }
        }

        /**
         * Whether the answer stops before its end.
         *
         * @return true for {@link ProviderScript.BatchAnswer#CUT}
         */
        public boolean isCut() {
            return cutInside >= 0;
        }

        /**
         * The answer's JSON, {@code {"translations":[{"id":"0","text":"..."}, ...]}}; a cut answer stops after the first
         * half of the text of the part it is cut inside.
         *
         * @return the JSON text (unfinished when cut)
         */
        public String json() {
            StringBuilder json = new StringBuilder("{\"translations\":[");
            for (int i = 0; i < parts.size(); i++) {
                Part part = parts.get(i);
                json.append(i == 0 ? "" : ",").append("{\"id\":").append(quote(part.id())).append(",\"text\":");
                if (i == cutInside) {
                    String half = part.text().substring(0, part.text().length() / 2);
                    String quoted = quote(half);
                    return json.append(quoted, 0, quoted.length() - 1).toString();
                }
                json.append(quote(part.text())).append('}');
            }
            return json.append("]}").toString();
        }
    }

    /**
     * The translation a script gives a segment: its source text, prefixed, which keeps the source's numbers.
     *
     * @param source the segment's source text
     * @return {@code "[tr] " + source}
     */
    public static String translation(String source) {
        return "[tr] " + source;
    }

    /**
     * The answer to a batch request, spoiled as the kit asked.
     *
     * @param segments the segments found in the request, in order
     * @param kind how to spoil the answer
     * @param spoiled the position of the spoiled segment, >= 1 and below the number of segments
     * @return the answer
     */
    public static Answer of(List<Part> segments, ProviderScript.BatchAnswer kind, int spoiled) {
        Objects.requireNonNull(kind, "kind");
        if (kind != ProviderScript.BatchAnswer.VALID && (spoiled < 1 || spoiled >= segments.size())) {
            throw new IllegalArgumentException("spoiled must be 1 to " + (segments.size() - 1) + ", was " + spoiled);
        }
        List<Part> parts = new ArrayList<>();
        for (Part segment : segments) {
            parts.add(new Part(segment.id(), translation(segment.text())));
        }
        int cut = -1;
        switch (kind) {
            case VALID -> {
                // As it is.
            }
            case UNKNOWN_ID -> parts.set(spoiled, new Part("unknown-" + parts.get(spoiled).id(), parts.get(spoiled).text()));
            case DUPLICATE_ID -> parts.set(spoiled, new Part(parts.get(spoiled - 1).id(), parts.get(spoiled).text()));
            case MISSING -> parts.remove(spoiled);
            case EMPTY_TEXT -> parts.set(spoiled, new Part(parts.get(spoiled).id(), ""));
            case CUT -> cut = spoiled;
        }
        return new Answer(parts, cut);
    }

    private static String quote(String text) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}

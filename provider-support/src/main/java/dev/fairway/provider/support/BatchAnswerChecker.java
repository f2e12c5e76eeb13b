package dev.fairway.provider.support;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Reads a batch answer ({@code {"translations":[{"id":"0","text":"..."}, ...]}}, see {@link BatchPrompts}) as it
 * arrives, and hands each segment's translation to a {@link Listener} as soon as its object closes, if it is valid:
 * a string id that the request gave ({@link BatchPrompts#id(int)}), not seen before in this answer, and a text that
 * is a non-blank string. Everything else is a problem, recorded in one line and never delivered: an unknown id, an
 * id seen again (when its first answer was delivered, that delivery stands and the repetition is recorded), a
 * missing or empty text, an id or text that is not a string, an answer that is not a JSON object or has no
 * {@code translations} array, malformed JSON, and an answer that ends before its JSON is complete. Other fields,
 * in the answer or in an item, are ignored. After a malformed piece of JSON nothing more is read; what was
 * delivered before stands.
 *
 * <p>The answer is read with Jackson's non-blocking parser, fed with the bytes of the answer in pieces of any size:
 * a piece may end inside a token, a string or a multi-byte UTF-8 character. {@link #feed(String)} takes the
 * text deltas of a stream (OpenAI's content deltas, Anthropic's {@code partial_json}); {@link #finish()} ends the
 * answer. The segments never delivered ({@link #undelivered()}) are the ones the scheduler translates again one by
 * one.
 *
 * <p>One checker reads one answer, on one thread; it is not thread-safe.
 */
public final class BatchAnswerChecker {

    /** Takes each valid segment of the answer. */
    @FunctionalInterface
    public interface Listener {

        /**
         * One segment's part of the answer is complete and valid.
         *
         * @param index the segment's position in the batch
         * @param text its translation, white space stripped from both ends, not blank
         */
        void accepted(int index, String text);
    }

    private static final JsonFactory JSON = new JsonFactory();
    /** Longest excerpt of an id or of a parser message quoted in a problem. */
    private static final int EXCERPT = 40;

    /** Where the parser is in the answer's structure. */
    private enum Where { BEFORE_ANSWER, IN_ANSWER, IN_TRANSLATIONS, IN_ITEM, AFTER_ANSWER }

    private final int segments;
    private final Listener listener;
    private final Map<String, Integer> indexById = new HashMap<>();
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final boolean[] seen;
    private final boolean[] delivered;
    private final List<String> problems = new ArrayList<>();

    private Where where = Where.BEFORE_ANSWER;
    /** Depth inside a value being skipped; 0 when nothing is being skipped. */
    private int skipping;
    private String field = "";
    private boolean sawTranslations;
    /** Position of the current (or last) element of the translations array. */
    private int element = -1;
    private String itemId;
    private String itemText;
    private final List<String> itemFaults = new ArrayList<>();
    /** A trailing high surrogate of a text delta, kept until the next delta brings its low half. */
    private char pendingHighSurrogate;
    private boolean stopped;
    private boolean finished;

    private BatchAnswerChecker(int segments, Listener listener) {
        this.segments = segments;
        this.listener = listener;
        for (int i = 0; i < segments; i++) {
            indexById.put(BatchPrompts.id(i), i);
        }
        this.seen = new boolean[segments];
        this.delivered = new boolean[segments];
        try {
            this.parser = JSON.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new UncheckedIOException("Jackson could not make a non-blocking parser", e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /**
     * A checker for the answer to a batch of segments whose ids are {@link BatchPrompts#id(int)}.
     *
     * @param segments how many segments the batch has, >= 1
     * @param listener takes each valid segment, on the thread that feeds the checker; what it throws is passed on
     * @return the checker
     */
    public static BatchAnswerChecker create(int segments, Listener listener) {
        if (segments < 1) {
            throw new IllegalArgumentException("segments must be >= 1, was " + segments);
        }
        return new BatchAnswerChecker(segments, Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Reads the next piece of the answer's text. A piece that ends with the first half of a surrogate pair keeps
     * it for the next piece.
     *
     * @param text the piece, for example a stream's content delta
     * @throws IllegalStateException after {@link #finish()}
     */
    public void feed(String text) {
        checkNotFinished();
        if (text.isEmpty()) {
            return;
        }
        String piece = pendingHighSurrogate == 0 ? text : pendingHighSurrogate + text;
        pendingHighSurrogate = 0;
        char last = piece.charAt(piece.length() - 1);
        if (Character.isHighSurrogate(last)) {
            pendingHighSurrogate = last;
            piece = piece.substring(0, piece.length() - 1);
        }
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        feed(bytes, 0, bytes.length);
    }

    /**
     * Reads the next bytes of the answer's UTF-8 encoding. They are read before this method returns: the caller may
     * reuse the array.
     *
     * @param utf8 the bytes
     * @param offset where they start
     * @param length how many
     * @throws IllegalStateException after {@link #finish()}
     */
    public void feed(byte[] utf8, int offset, int length) {
        checkNotFinished();
        Objects.checkFromIndexSize(offset, length, utf8.length);
        if (stopped || length == 0) {
            return;
        }
        try {
            feeder.feedInput(utf8, offset, offset + length);
        } catch (IOException e) {
            malformed(e);
            return;
        }
        drain();
    }

    /**
     * Ends the answer: records a problem when its JSON is not complete, and one naming the ids that were never
     * answered at all. Idempotent.
     */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (!stopped) {
            feeder.endOfInput();
            drain();
        }
        if (!stopped && where != Where.AFTER_ANSWER) {
            cutShort();
        }
        StringJoiner never = new StringJoiner(", ");
        int count = 0;
        for (int i = 0; i < segments; i++) {
            if (!seen[i]) {
                never.add(BatchPrompts.id(i));
                count++;
            }
        }
        if (count > 0) {
            problems.add((count == 1 ? "no translation for id " : "no translation for ids ") + never);
        }
        try {
            parser.close();
        } catch (IOException e) {
            // Nothing is held open: the parser reads only what it was fed.
        }
    }

    /**
     * Whether the answer's JSON was read to its end, so far.
     *
     * @return true once the answer object closed
     */
    public boolean isComplete() {
        return where == Where.AFTER_ANSWER;
    }

    /**
     * How many segments were delivered.
     *
     * @return the count
     */
    public int deliveredCount() {
        int count = 0;
        for (boolean d : delivered) {
            count += d ? 1 : 0;
        }
        return count;
    }

    /**
     * The segments not delivered (so far), which the scheduler translates again one by one.
     *
     * @return their positions, ascending
     */
    public List<Integer> undelivered() {
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < segments; i++) {
            if (!delivered[i]) {
                rest.add(i);
            }
        }
        return List.copyOf(rest);
    }

    /**
     * What was wrong with the answer (so far), one line each.
     *
     * @return the problems, in the order found; empty when every segment was answered validly
     */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    private void checkNotFinished() {
        if (finished) {
            throw new IllegalStateException("the answer was finished");
        }
    }

    private void drain() {
        try {
            JsonToken token;
            while (!stopped && (token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
                token(token);
            }
        } catch (JsonEOFException e) {
            // The input ended inside a token: the answer was cut, which finish() reports.
        } catch (IOException e) {
            malformed(e);
        }
    }

    private void token(JsonToken token) {
        if (skipping > 0) {
            if (token.isStructStart()) {
                skipping++;
            } else if (token.isStructEnd()) {
                skipping--;
            }
            return;
        }
        switch (where) {
            case BEFORE_ANSWER -> {
                if (token == JsonToken.START_OBJECT) {
                    where = Where.IN_ANSWER;
                } else {
                    stop("the answer is not a JSON object");
                }
            }
            case IN_ANSWER -> inAnswer(token);
            case IN_TRANSLATIONS -> inTranslations(token);
            case IN_ITEM -> inItem(token);
            case AFTER_ANSWER -> stop("the answer goes on after its JSON object");
        }
    }

    private void inAnswer(JsonToken token) {
        if (token == JsonToken.FIELD_NAME) {
            field = name();
            return;
        }
        if (token == JsonToken.END_OBJECT) {
            where = Where.AFTER_ANSWER;
            if (!sawTranslations) {
                problems.add("the answer has no translations array");
            }
            return;
        }
        if (!field.equals("translations")) {
            skip(token);
        } else if (sawTranslations) {
            problems.add("the answer has a second translations field, ignored");
            skip(token);
        } else if (token == JsonToken.START_ARRAY) {
            sawTranslations = true;
            where = Where.IN_TRANSLATIONS;
        } else {
            sawTranslations = true;
            problems.add("the answer's translations field is not an array");
            skip(token);
        }
    }

    private void inTranslations(JsonToken token) {
        if (token == JsonToken.END_ARRAY) {
            where = Where.IN_ANSWER;
            field = "";
            return;
        }
        element++;
        if (token == JsonToken.START_OBJECT) {
            where = Where.IN_ITEM;
            field = "";
            itemId = null;
            itemText = null;
            itemFaults.clear();
        } else {
            problems.add(element() + " is not an object");
            skip(token);
        }
    }

    private void inItem(JsonToken token) {
        if (token == JsonToken.FIELD_NAME) {
            field = name();
            return;
        }
        if (token == JsonToken.END_OBJECT) {
            where = Where.IN_TRANSLATIONS;
            field = "";
            closeItem();
            return;
        }
        switch (field) {
            case "id" -> {
                if (itemId != null || itemFaults.contains("an id that is not a string")) {
                    itemFaults.add("two ids");
                } else if (token == JsonToken.VALUE_STRING) {
                    itemId = text();
                } else {
                    itemFaults.add("an id that is not a string");
                }
            }
            case "text" -> {
                if (itemText != null || itemFaults.contains("a text that is not a string")) {
                    itemFaults.add("two texts");
                } else if (token == JsonToken.VALUE_STRING) {
                    itemText = text();
                } else {
                    itemFaults.add("a text that is not a string");
                }
            }
            default -> {
                // Another field: ignored.
            }
        }
        skip(token);
    }

    private void closeItem() {
        String at = element();
        Integer index = itemId == null ? null : indexById.get(itemId);
        if (itemId != null && index == null) {
            problems.add(at + " has an unknown id " + quote(itemId));
            return;
        }
        if (index == null) {
            problems.add(at + " has " + (itemFaults.isEmpty() ? "no id" : String.join(" and ", itemFaults)));
            return;
        }
        String named = at + " (id " + itemId + ")";
        if (seen[index]) {
            problems.add(named + " repeats an id already answered"
                    + (delivered[index] ? "; its first translation was delivered and stands" : ""));
            return;
        }
        seen[index] = true;
        if (!itemFaults.isEmpty()) {
            problems.add(named + " has " + String.join(" and ", itemFaults));
        } else if (itemText == null) {
            problems.add(named + " has no text");
        } else if (itemText.isBlank()) {
            problems.add(named + " has an empty text");
        } else {
            delivered[index] = true;
            listener.accepted(index, itemText.strip());
        }
    }

    private void cutShort() {
        problems.add(switch (where) {
            case BEFORE_ANSWER -> "the answer holds no JSON object";
            case IN_ITEM -> "the answer ended inside " + element() + (itemId == null ? "" : " (id " + quote(itemId) + ")");
            default -> "the answer ended before its JSON was complete";
        });
    }

    private void skip(JsonToken token) {
        if (token.isStructStart()) {
            skipping = 1;
        }
    }

    private void stop(String problem) {
        problems.add(problem);
        stopped = true;
    }

    private void malformed(IOException e) {
        String message = e instanceof StreamReadException s ? s.getOriginalMessage() : e.getMessage();
        stop("the answer is not valid JSON" + (element >= 0 ? " after " + element() : "") + ": " + excerpt(message));
    }

    private String element() {
        return "translations[" + element + "]";
    }

    private String name() {
        try {
            return parser.currentName();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String text() {
        try {
            return parser.getText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String id) {
        return "\"" + excerpt(id) + "\"";
    }

    /** The start of a text from the model, on one line. */
    private static String excerpt(String text) {
        // White space is kept (collapsed), so that " 1" is not quoted as the known id "1".
        String t = text == null ? "" : text.replaceAll("[\\s\\p{Cntrl}]+", " ");
        return t.length() <= EXCERPT ? t : t.substring(0, EXCERPT) + "...";
    }
}

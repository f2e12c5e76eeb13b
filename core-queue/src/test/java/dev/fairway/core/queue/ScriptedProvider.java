package dev.fairway.core.queue;

import dev.fairway.api.FinishReason;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.TranslationProvider;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A provider for unit tests: records every call in order and answers from a script (an exception to
 * throw, or a translation by default: the text prefixed with the target language).
 */
final class ScriptedProvider implements TranslationProvider {

    /** What the provider was asked, in call order. */
    final ConcurrentLinkedQueue<TranslationRequest> calls = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<RuntimeException> script = new ArrayDeque<>();
    /** Guards the script; never synchronized, since calls may run on virtual threads. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Hook action;
    private RateLimitFeedback feedback = RateLimitFeedback.NONE;
    private volatile int outputEstimate = -1;

    /** Makes the next calls throw these, in order; later calls succeed. */
    ScriptedProvider thenThrow(RuntimeException... errors) {
        addToScript(errors);
        return this;
    }

    ScriptedProvider feedback(RateLimitFeedback value) {
        feedback = value;
        return this;
    }

    /** Says this much of each estimate is output tokens (default: says nothing). */
    ScriptedProvider outputEstimate(int value) {
        outputEstimate = value;
        return this;
    }

    @Override
    public OptionalInt estimateOutputTokens(SegmentKind kind, String text) {
        return outputEstimate < 0 ? OptionalInt.empty() : OptionalInt.of(outputEstimate);
    }

    /** Runs {@code action} inside each call, before it answers (to block, or to act mid-call). */
    ScriptedProvider during(Hook action) {
        this.action = action;
        return this;
    }

    private void addToScript(RuntimeException[] errors) {
        lock.lock();
        try {
            script.addAll(List.of(errors));
        } finally {
            lock.unlock();
        }
    }

    List<String> callTexts() {
        List<String> out = new ArrayList<>();
        for (TranslationRequest r : calls) {
            out.add(r.text());
        }
        return out;
    }

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public String model() {
        return "test-model";
    }

    @Override
    public TranslationResult translate(TranslationRequest request) throws InterruptedException {
        calls.add(request);
        Hook a = action;
        if (a != null) {
            a.run(request);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted in the scripted provider");
        }
        RuntimeException next;
        lock.lock();
        try {
            next = script.pollFirst();
        } finally {
            lock.unlock();
        }
        if (next != null) {
            throw next;
        }
        return result(request, feedback);
    }

    static TranslationResult result(TranslationRequest request, RateLimitFeedback feedback) {
        return new TranslationResult("[" + request.targetLanguage() + "] " + request.text(),
                TokenUsage.of(10, 5), Duration.ZERO, feedback, "test-model", FinishReason.STOP);
    }

    @Override
    public void close() {
    }

    /** Runs inside a call; may block (interruptibly). */
    @FunctionalInterface
    interface Hook {
        void run(TranslationRequest request) throws InterruptedException;
    }
}

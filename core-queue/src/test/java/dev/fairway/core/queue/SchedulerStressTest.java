package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.StaticConcurrencyPolicy;
import dev.fairway.provider.fake.FakeProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A randomized, multi-threaded stress test of {@link FairScheduler} with real threads: the scheduler's
 * dispatcher and workers on virtual threads, the real {@link FairShareRateLimiter} and
 * {@link BoundedConcurrencyLimiter}, and a {@link FakeProvider} that fails about a quarter of its calls
 * (503s, injected 429s, timeouts, malformed answers) and refuses texts carrying its bad-request marker
 * for good. Client threads, each owning a few sessions, submit a random mix of partials and finals;
 * some texts are shared between sessions so that deduplication joins calls, some sessions are closed
 * while their client keeps submitting, back-pressure is answered by sending the same final again or
 * by moving on, and in some rounds {@code shutdown()} races the clients.
 *
 * <p>It is <b>black-box on purpose</b>: it uses only the public API (the builder, {@code open},
 * {@code Session.submit}/{@code close}, {@code shutdown}/{@code awaitTermination}/{@code close} and
 * {@code status()}) and checks the README's guarantees from what the clients were told and what the
 * listeners heard, so that it keeps holding whatever the scheduler's locking becomes. Each round is
 * one fixed seed (printed in every failure); the interleavings still differ from run to run, so a
 * failure is a real bug even when the same seed passes again. It waits only for outcomes (joins,
 * latches, {@code awaitTermination}) with a 60 s bound that guards a hang, and asserts nothing about
 * time.
 */
class SchedulerStressTest {

    /** Only a guard against a hung test: never a timing assertion. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);
    private static final int CLIENTS = 4;
    private static final int SESSIONS_PER_CLIENT = 3;
    private static final int STEPS_PER_CLIENT = 1500;
    /** Submits a client still makes to a session after closing it (each must be refused CLOSED). */
    private static final int SUBMITS_AFTER_CLOSE = 6;
    private static final String[] TARGETS = {"fr", "de", "es"};
    private static final List<String> SHARED_TEXTS = List.of(
            "Good morning everyone, thanks for joining.",
            "Can you hear me?",
            "Let us start with the quarterly numbers.",
            "I think we should meet tomorrow.",
            "Next slide, please.",
            "That is a very good question.",
            "We will come back to this later.",
            "Thank you, that is all from me.",
            FakeProvider.BAD_REQUEST_MARKER + " a shared sentence the provider refuses");
    private static final Set<FailureReason> FINAL_REASONS = EnumSet.of(FailureReason.RETRIES_EXHAUSTED,
            FailureReason.PERMANENT_PROVIDER_ERROR, FailureReason.SHUTDOWN);
    private static final Set<FailureReason> PARTIAL_REASONS = EnumSet.of(FailureReason.STALE,
            FailureReason.RETRIES_EXHAUSTED, FailureReason.PERMANENT_PROVIDER_ERROR);

    /**
     * One round's configuration.
     *
     * @param seed the clients' scripts and the provider's faults
     * @param maxConcurrent the scheduler's bound on calls in flight (the concurrency limiter's too)
     * @param finalsInFlight {@code maxFinalsInFlightPerSession}
     * @param queuedFinals {@code maxQueuedFinalsPerSession}, small so that back-pressure happens
     * @param shutdownRacesClients whether {@code shutdown()} comes while the clients still submit
     * @param virtualClients whether the clients are virtual threads (else platform threads)
     * @param staleAfter {@code partialStaleAfter}; short so that some partials are dropped as stale
     * @param initialBackoff the first retry backoff of a final
     * @param jitter the provider's mean latency (0: every call answers at once)
     */
    record Round(long seed, int maxConcurrent, int finalsInFlight, int queuedFinals, boolean shutdownRacesClients,
            boolean virtualClients, Duration staleAfter, Duration initialBackoff, Duration jitter) {

        @Override
        public String toString() {
            return "seed " + seed + ": maxConcurrent " + maxConcurrent + ", finalsInFlight " + finalsInFlight
                    + ", queuedFinals " + queuedFinals + (shutdownRacesClients ? ", shutdown races the clients" : "")
                    + (virtualClients ? ", virtual clients" : ", platform clients") + ", stale after "
                    + staleAfter.toMillis() + " ms, latency ~" + jitter.toNanos() / 1000 + " us";
        }
    }

    static Stream<Round> rounds() {
        Duration ms = Duration.ofMillis(1);
        Duration us200 = Duration.ofNanos(200_000);
        Duration stale = Duration.ofMillis(5);
        Duration usual = Duration.ofSeconds(2);
        return Stream.of(
                new Round(11, 2, 1, 3, false, false, usual, Duration.ZERO, Duration.ZERO),
                new Round(23, 3, 3, 5, false, true, stale, ms, us200),
                new Round(37, 4, 1, 4, true, false, usual, ms, us200),
                new Round(41, 2, 3, 3, true, true, stale, Duration.ZERO, Duration.ZERO),
                new Round(59, 4, 3, 8, false, false, usual, Duration.ZERO, us200),
                new Round(73, 3, 1, 4, true, true, stale, ms, Duration.ZERO));
    }

    /**
     * Every accepted final ends exactly once, events come one at a time in strictly increasing order with
     * the submitted texts, every session hears onClosed() last, and nothing is left in flight or queued.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rounds")
    void acceptedFinalsEndOnceInOrderAndNothingLeaksUnderRandomConcurrentLoad(Round round) throws Exception {
        new Run(round).run();
    }

    // ------------------------------------------------------------------------------------------ one round

    /** One round: builds the scheduler, runs the clients, ends the scheduler, checks every invariant. */
    private static final class Run {
        final Round round;
        final String tag;
        final FakeProvider provider;
        final BoundedConcurrencyLimiter concurrency;
        final FairScheduler scheduler;
        final List<Ledger> ledgers = new ArrayList<>();
        final List<Throwable> clientErrors = new CopyOnWriteArrayList<>();
        final CountDownLatch halfway = new CountDownLatch(CLIENTS);
        final List<String> problems = new ArrayList<>();

        Run(Round round) {
            this.round = round;
            this.tag = "seed " + round.seed();
            provider = FakeProvider.builder().seed(round.seed()).unlimited()
                    .latencyBase(Duration.ZERO).latencyPerToken(Duration.ZERO).latencyJitter(round.jitter())
                    .rate5xx(0.15).rate429(0.05).rateTimeout(0.02).rateGarbage(0.05)
                    .faultRetryAfter(Duration.ofMillis(1)).timeout(Duration.ofMillis(3))
                    .build();
            FairShareRateLimiter rate = FairShareRateLimiter.builder().requestsPerMinute(1_000_000)
                    .tokensPerMinute(1_000_000_000).build();
            concurrency = BoundedConcurrencyLimiter.builder().policy(StaticConcurrencyPolicy.builder()
                    .normal(round.maxConcurrent()).rateLimited(1).cooldown(Duration.ofMillis(2)).build()).build();
            scheduler = FairScheduler.builder().provider(provider).rateLimiter(rate).concurrencyLimiter(concurrency)
                    .threadFactory(Thread.ofVirtual().name("stress-", 0).factory())
                    .maxConcurrent(round.maxConcurrent())
                    .maxFinalsInFlightPerSession(round.finalsInFlight())
                    .maxQueuedFinalsPerSession(round.queuedFinals())
                    .partialStaleAfter(round.staleAfter())
                    .finalMaxAttempts(8)
                    .retryBackoff(round.initialBackoff(), Duration.ofMillis(5))
                    .deduplicate(true)
                    .build();
        }

        void run() throws Exception {
            try {
                runAndEnd();
            } finally {
                scheduler.close();
            }
            verify();
        }

        private void runAndEnd() throws Exception {
            Random random = new Random(round.seed());
            List<List<Ledger>> owned = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                List<Ledger> mine = new ArrayList<>();
                for (int k = 0; k < SESSIONS_PER_CLIENT; k++) {
                    SessionId id = SessionId.of("r" + round.seed() + "-c" + c + "-s" + k);
                    SessionOptions options = SessionOptions.of("en", TARGETS[(c + k) % TARGETS.length]);
                    Recorder recorder = new Recorder();
                    Session session = scheduler.open(id, options, recorder);
                    // A third of the sessions are closed by their client midway; it keeps submitting to them
                    // for a moment.
                    int closeAt = random.nextInt(3) == 0
                            ? 10 + random.nextInt(STEPS_PER_CLIENT / SESSIONS_PER_CLIENT * 3 / 4) : -1;
                    Ledger l = new Ledger(session, options, recorder, closeAt, round.shutdownRacesClients());
                    mine.add(l);
                    ledgers.add(l);
                }
                owned.add(mine);
            }
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Client client = new Client(owned.get(c), new Random(round.seed() * 31 + c), halfway, clientErrors);
                Thread.Builder builder = round.virtualClients() ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
                clients.add(builder.name("stress-client-" + c).start(client));
            }
            if (round.shutdownRacesClients()) {
                assertTrue(halfway.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS),
                        tag + ": clients never got halfway");
                scheduler.shutdown();
            }
            for (Thread t : clients) {
                assertTrue(t.join(HANG_GUARD), tag + ": client " + t.getName() + " hung");
            }
            assertEquals(List.of(), clientErrors, tag + ": a client thread failed");
            scheduler.shutdown();
            assertTrue(scheduler.awaitTermination(HANG_GUARD), () -> tag + ": the scheduler did not terminate after"
                    + " shutdown(): accepted work was left hanging; status " + scheduler.status().toMap());
            SchedulerStatus status = scheduler.status();
            assertEquals(0, status.activeRequests(), tag + ": provider calls still in flight after termination");
            assertEquals(0, status.queueLength(), tag + ": segments still queued after termination");
            scheduler.close();
            for (Ledger l : ledgers) {
                assertTrue(l.recorder.closed.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS),
                        tag + ", session " + l.id + ": onClosed() never came after the scheduler's close()");
            }
            assertEquals(0, concurrency.inFlight(), tag + ": concurrency permits not returned after every call ended");
            System.out.println("stress " + round + ": " + summary(status));
        }

        private String summary(SchedulerStatus status) {
            int finals = 0;
            int partials = 0;
            int backpressure = 0;
            int closed = 0;
            Map<FailureReason, Integer> failures = new EnumMap<>(FailureReason.class);
            int translations = 0;
            for (Ledger l : ledgers) {
                finals += l.acceptedFinals.size();
                partials += l.acceptedPartials.size();
                backpressure += l.backpressure;
                closed += l.closedOutcomes;
                for (Event e : l.recorder.events) {
                    if (e.failure() != null) {
                        failures.merge(e.failure().reason(), 1, Integer::sum);
                    } else if (e.translation() != null) {
                        translations++;
                    }
                }
            }
            return finals + " finals and " + partials + " partials accepted, " + backpressure + " BACKPRESSURE, "
                    + closed + " CLOSED; " + translations + " translations, failures " + failures + "; "
                    + status.providerCalls() + " provider calls, " + status.retries() + " retries, "
                    + status.deduplicated() + " deduplicated, " + status.droppedStale() + " stale";
        }

        // ------------------------------------------------------------------------------ the invariants

        private void verify() throws InterruptedException {
            FakeProvider reference = FakeProvider.builder().zeroLatency().unlimited().build();
            Map<String, String> expected = new HashMap<>();
            for (Ledger l : ledgers) {
                verifySession(l, reference, expected);
            }
            if (!problems.isEmpty()) {
                int shown = Math.min(problems.size(), 15);
                fail(tag + " (" + round + "): " + problems.size() + " broken invariants, the first " + shown + ":\n  "
                        + String.join("\n  ", problems.subList(0, shown)));
            }
        }

        private void problem(Ledger l, String what) {
            problems.add(tag + ", session " + l.id + ": " + what);
        }

        private void verifySession(Ledger l, FakeProvider reference, Map<String, String> expected)
                throws InterruptedException {
            for (String u : l.unexpected) {
                problem(l, "unexpected submit outcome: " + u);
            }
            // 2. one callback at a time.
            if (l.recorder.overlaps.get() > 0) {
                problem(l, "a callback overlapped another callback of the same session, " + l.recorder.overlaps.get()
                        + " times: the listener must be called by one thread at a time");
            }
            List<Event> events = new ArrayList<>(l.recorder.events);
            // 4. onClosed exactly once, last.
            int closedCalls = l.recorder.closedCalls.get();
            if (closedCalls != 1) {
                problem(l, "onClosed() called " + closedCalls + " times, expected exactly once");
            }
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).isClosed() && i != events.size() - 1) {
                    problem(l, "an event arrived after onClosed(): " + events.get(i + 1).describe() + " "
                            + near(events, i + 1));
                    break;
                }
            }
            Map<Long, Integer> finalEnds = new HashMap<>();
            long last = -1;
            long lastFinal = -1;
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                if (e.isClosed()) {
                    continue;
                }
                TranslationRequest r = e.request();
                long seq = r.sequence();
                Segment submitted = l.segments.get(seq);
                String name = r.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + seq;
                // 2. strictly increasing sequences over every event, partials and finals.
                if (seq <= last) {
                    problem(l, e.describe() + " arrived after sequence " + last + ": not strictly increasing "
                            + near(events, i));
                }
                last = Math.max(last, seq);
                // 5. the right session, the submitted text and languages.
                if (!r.session().equals(l.id)) {
                    problem(l, e.describe() + " carries session " + r.session());
                }
                if (submitted == null) {
                    problem(l, e.describe() + " answers a sequence this session never submitted");
                    continue;
                }
                if (submitted.kind() != r.kind()) {
                    problem(l, e.describe() + " but sequence " + seq + " was submitted as a " + submitted.kind());
                }
                if (!submitted.text().equals(r.text())) {
                    problem(l, e.describe() + " carries text '" + r.text() + "', but '" + submitted.text()
                            + "' was submitted (deduplication crossed texts?)");
                }
                if (!r.sourceLanguage().equals(l.options.sourceLanguage())
                        || !r.targetLanguage().equals(l.options.targetLanguage())) {
                    problem(l, e.describe() + " is " + r.sourceLanguage() + "->" + r.targetLanguage() + ", the session "
                            + l.options.sourceLanguage() + "->" + l.options.targetLanguage());
                }
                if (e.translation() != null) {
                    String want = expected(reference, expected, l, submitted);
                    if (want == null) {
                        problem(l, e.describe() + " was translated, but the provider refuses its text for good");
                    } else if (!want.equals(e.translation().result().text())) {
                        problem(l, e.describe() + " has result '" + e.translation().result().text() + "', expected '"
                                + want + "' (a result shared across texts or languages?)");
                    }
                }
                if (r.isFinal()) {
                    finalEnds.merge(seq, 1, Integer::sum);
                    lastFinal = Math.max(lastFinal, seq);
                    // 1. only accepted finals end, with an allowed reason.
                    if (!l.acceptedFinals.contains(seq)) {
                        problem(l, e.describe() + " but final " + seq + " was refused (" + l.refusals.get(seq) + ")");
                    }
                    if (e.failure() != null && !FINAL_REASONS.contains(e.failure().reason())) {
                        problem(l, name + " failed with " + e.failure().reason() + " (" + e.failure().message()
                                + "); a final may only fail with " + FINAL_REASONS);
                    }
                    if (e.failure() != null && e.failure().reason() == FailureReason.PERMANENT_PROVIDER_ERROR
                            && !r.text().contains(FakeProvider.BAD_REQUEST_MARKER)) {
                        problem(l, name + " failed with PERMANENT_PROVIDER_ERROR, but its text is one the provider"
                                + " accepts");
                    }
                } else {
                    // 3. partials: accepted, never older than a delivered final, allowed reasons.
                    if (!l.acceptedPartials.contains(seq)) {
                        problem(l, e.describe() + " but partial " + seq + " was not accepted ("
                                + l.refusals.get(seq) + ")");
                    }
                    if (seq < lastFinal) {
                        problem(l, e.describe() + " is older than final " + lastFinal + ", already delivered");
                    }
                    if (e.failure() != null && !PARTIAL_REASONS.contains(e.failure().reason())) {
                        problem(l, name + " was reported " + e.failure().reason() + " (" + e.failure().message()
                                + "); a partial may only be reported " + PARTIAL_REASONS);
                    }
                }
            }
            // 1. every accepted final ends exactly once.
            for (long seq : l.acceptedFinals) {
                int ends = finalEnds.getOrDefault(seq, 0);
                if (ends != 1) {
                    problem(l, "accepted final " + seq + " ('" + l.segments.get(seq).text() + "') ended " + ends
                            + " times (onTranslation + onFailure), expected exactly once "
                            + near(events, indexAfter(events, seq)));
                }
            }
        }

        /** The provider's deterministic translation of the text, or null when it refuses the text for good. */
        private static String expected(FakeProvider reference, Map<String, String> cache, Ledger l, Segment s)
                throws InterruptedException {
            String key = l.options.targetLanguage() + "|" + s.text();
            if (cache.containsKey(key)) {
                return cache.get(key);
            }
            String out;
            try {
                out = reference.translate(new TranslationRequest(l.id, s.kind(), s.sequence(), s.text(),
                        l.options.sourceLanguage(), l.options.targetLanguage(), 1)).text();
            } catch (PermanentProviderException e) {
                out = null;
            }
            cache.put(key, out);
            return out;
        }

        /** The events around index {@code at}, for a failure message. */
        private static String near(List<Event> events, int at) {
            int from = Math.max(0, at - 6);
            int to = Math.min(events.size(), at + 6);
            List<String> shown = new ArrayList<>();
            for (int i = from; i < to; i++) {
                shown.add((i == at ? ">" : "") + events.get(i).describe());
            }
            return "(events " + (from > 0 ? "..., " : "") + String.join(", ", shown)
                    + (to < events.size() ? ", ...)" : ")");
        }

        /** Index of the first event after sequence {@code seq} (or of onClosed). */
        private static int indexAfter(List<Event> events, long seq) {
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).isClosed() || events.get(i).request().sequence() > seq) {
                    return i;
                }
            }
            return events.size();
        }
    }

    // ------------------------------------------------------------------------------------------ clients

    /** A client thread: submits a random script to its own sessions and writes down what it was told. */
    private record Client(List<Ledger> sessions, Random random, CountDownLatch halfway, List<Throwable> errors)
            implements Runnable {

        @Override
        public void run() {
            boolean counted = false;
            try {
                for (int step = 0; step < STEPS_PER_CLIENT; step++) {
                    if (step == STEPS_PER_CLIENT / 2) {
                        halfway.countDown();
                        counted = true;
                    }
                    List<Ledger> live = sessions.stream()
                            .filter(l -> l.submitsAfterClose < SUBMITS_AFTER_CLOSE).toList();
                    if (live.isEmpty()) {
                        continue;
                    }
                    step(live.get(random.nextInt(live.size())));
                    // Bursts of submits; between them, only to vary the interleavings (and let the backlog
                    // drain now and then), a yield or a millisecond's sleep. Nothing waits for a result.
                    int pause = random.nextInt(16);
                    if (pause < 2) {
                        Thread.yield();
                    } else if (pause < 4) {
                        Thread.sleep(1);
                    }
                }
            } catch (Throwable t) {
                if (t instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                errors.add(t); // fails the round once the client is joined
            } finally {
                if (!counted) {
                    halfway.countDown();
                }
            }
        }

        private void step(Ledger l) {
            Segment segment;
            if (l.resend != null && random.nextInt(4) != 0) {
                segment = l.resend; // the same final again, as BACKPRESSURE allows
            } else {
                l.lastSequence += 1 + random.nextInt(3);
                SegmentKind kind = random.nextInt(5) < 2 ? SegmentKind.FINAL : SegmentKind.PARTIAL;
                segment = new Segment(kind, l.lastSequence, text(l));
            }
            l.resend = null;
            SubmitOutcome outcome = l.session.submit(segment.kind(), segment.sequence(), segment.text());
            l.record(segment, outcome);
            if (outcome.status() == SubmitOutcome.Status.BACKPRESSURE && random.nextInt(3) != 0) {
                l.resend = segment;
            }
            l.picks++;
            if (l.closedByClient) {
                l.submitsAfterClose++;
            } else if (l.picks == l.closeAt) {
                l.session.close();
                l.closedByClient = true;
            }
        }

        private String text(Ledger l) {
            int r = random.nextInt(100);
            if (r < 40) {
                return SHARED_TEXTS.get(random.nextInt(SHARED_TEXTS.size()));
            }
            String own = "Session " + l.id + " says sentence " + l.lastSequence + " of its talk.";
            return r < 42 ? FakeProvider.BAD_REQUEST_MARKER + " " + own : own;
        }
    }

    /** A submitted segment. */
    private record Segment(SegmentKind kind, long sequence, String text) {
    }

    /**
     * One session seen from its client: what it submitted and what it was told. Written by its one client
     * thread only, read after that thread was joined.
     */
    private static final class Ledger {
        final Session session;
        final SessionId id;
        final SessionOptions options;
        final Recorder recorder;
        final int closeAt;
        final boolean shutdownMayRace;
        final Map<Long, Segment> segments = new HashMap<>();
        final Set<Long> acceptedFinals = new TreeSet<>();
        final Set<Long> acceptedPartials = new TreeSet<>();
        final Map<Long, List<SubmitOutcome.Status>> refusals = new HashMap<>();
        final List<String> unexpected = new ArrayList<>();
        long lastSequence;
        Segment resend;
        int picks;
        boolean closedByClient;
        int submitsAfterClose;
        int backpressure;
        int closedOutcomes;

        Ledger(Session session, SessionOptions options, Recorder recorder, int closeAt, boolean shutdownMayRace) {
            this.session = session;
            this.id = session.id();
            this.options = options;
            this.recorder = recorder;
            this.closeAt = closeAt;
            this.shutdownMayRace = shutdownMayRace;
        }

        void record(Segment s, SubmitOutcome outcome) {
            segments.putIfAbsent(s.sequence(), s);
            String what = s.kind() + " " + s.sequence() + " got " + outcome.status() + " " + outcome.message();
            switch (outcome.status()) {
                case ACCEPTED -> {
                    if (closedByClient) {
                        unexpected.add(what + " after the client's close() had returned");
                    }
                    (s.kind() == SegmentKind.FINAL ? acceptedFinals : acceptedPartials).add(s.sequence());
                }
                case BACKPRESSURE -> {
                    backpressure++;
                    if (s.kind() != SegmentKind.FINAL) {
                        unexpected.add(what + ": only finals are bounded");
                    }
                }
                case CLOSED -> {
                    closedOutcomes++;
                    if (!closedByClient && !shutdownMayRace) {
                        unexpected.add(what + " while the session and the scheduler were open");
                    }
                }
                case OUT_OF_ORDER -> unexpected.add(what + ": the client's sequences only increase");
            }
            if (!outcome.accepted()) {
                refusals.computeIfAbsent(s.sequence(), k -> new ArrayList<>()).add(outcome.status());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ listener

    /** One listener event: a translation, a failure, or the session's close. */
    private record Event(Translation translation, SegmentFailure failure) {

        static final Event CLOSED = new Event(null, null);

        boolean isClosed() {
            return translation == null && failure == null;
        }

        TranslationRequest request() {
            return translation != null ? translation.request() : failure.request();
        }

        String describe() {
            if (isClosed()) {
                return "onClosed";
            }
            TranslationRequest r = request();
            String kind = r.kind().name().toLowerCase(java.util.Locale.ROOT);
            return translation != null ? "onTranslation(" + kind + " " + r.sequence() + ")"
                    : "onFailure(" + kind + " " + r.sequence() + ", " + failure.reason() + ")";
        }
    }

    /**
     * Records a session's events in arrival order; thread-safe, and counts callbacks that overlap
     * another callback of the same session (it yields now and then inside a callback to widen the window).
     */
    private static final class Recorder implements SessionListener {
        final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final AtomicInteger closedCalls = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void onTranslation(Translation translation) {
            record(new Event(translation, null));
        }

        @Override
        public void onFailure(SegmentFailure failure) {
            record(new Event(null, failure));
        }

        @Override
        public void onClosed() {
            closedCalls.incrementAndGet();
            record(Event.CLOSED);
            closed.countDown();
        }

        private void record(Event e) {
            if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            events.add(e);
            if (ThreadLocalRandom.current().nextInt(8) == 0) {
                Thread.yield();
            }
            inside.decrementAndGet();
        }
    }
}

package dev.fairway.provider.tck;

import static dev.fairway.provider.tck.Violations.broken;
import static dev.fairway.provider.tck.Violations.describe;
import static dev.fairway.provider.tck.Violations.excerpt;
import static dev.fairway.provider.tck.Violations.format;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.BatchOutcome;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.test.support.ManualClock;
import io.opentelemetry.api.OpenTelemetry;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * The contract every {@link TranslationProvider} keeps, as a JUnit 5 test class to extend. A
 * provider's author supplies the factory under test and a {@link ProviderScript} (a scripted
 * loopback server, or an in-process simulation) that can answer normally, refuse for a rate
 * limit, fail transiently or permanently, and hang; each test method here sets a scenario, builds
 * a fresh provider through {@link ProviderScript#config} and {@link ProviderScript#create}, calls
 * it and checks one rule:
 *
 * <pre>{@code
 * class AcmeProviderContractTest extends TranslationProviderContract {
 *     protected TranslationProviderFactory factory() { return new AcmeProviderFactory(); }
 *     protected ProviderScript script() { return new AcmeScript(); }
 * }
 * }</pre>
 *
 * <p>A broken rule fails its test with a message that starts {@code contract rule '<name>':}, says what
 * the rule asks and what happened instead. The rules:
 * <ul>
 *   <li>{@code final-translation}, {@code partial-translation}: a normal answer gives a result with
 *       the script's text, usage above zero, a latency above zero and a model;</li>
 *   <li>{@code rate-limit-feedback}: the rate-limit information of a normal answer is passed on;</li>
 *   <li>{@code rate-limit-retry-after}: a rate-limit refusal is a {@link RateLimitedException} with the
 *       announced {@code retryAfter};</li>
 *   <li>{@code transient-failure}: a retryable failure is a {@link TransientProviderException};</li>
 *   <li>{@code permanent-bad-request}, {@code permanent-authentication}, {@code permanent-quota-exhausted}:
 *       a permanent refusal is a {@link PermanentProviderException} of the right kind;</li>
 *   <li>{@code interrupt}: a call held by a hanging server throws {@link InterruptedException} after
 *       {@link Thread#interrupt()}; {@code usable-after-interrupt}: the provider then answers again;</li>
 *   <li>{@code interrupt-pending}: a call made with the interrupt flag already set throws
 *       {@link InterruptedException} instead of waiting for the server;</li>
 *   <li>{@code concurrency}: many calls from virtual threads at once, at least two of them in flight
 *       together, each get the translation of their own request;</li>
 *   <li>{@code no-credential-leak}: the credential never shows in a log line ({@link System.Logger},
 *       {@code java.util.logging}, {@code System.out}/{@code err}), an exception's message or
 *       stack trace, or a {@code toString};</li>
 *   <li>{@code service-loader}: {@link ServiceLoader} finds a factory of the same class by its name;
 *       {@code module-provides}: the module declares it with {@code provides};
 *       {@code services-file}: {@code META-INF/services} lists it for the class path;</li>
 *   <li>{@code names}: the factory's name is lower case letters, digits and dashes, the provider
 *       has the same name and a model;</li>
 *   <li>{@code estimate-tokens}: estimates are above zero and grow with the text;</li>
 *   <li>{@code close-idempotent}: closing twice is harmless;</li>
 *   <li>for a provider whose {@link TranslationProvider#batchLimits()} is present (the others have these
 *       skipped): {@code batch-request}: a batch call carries every segment once, in order;
 *       {@code batch-valid}: a valid answer hands every segment to the receiver once, under its own index, with
 *       its own text, on the calling thread, and no problem; {@code batch-unknown-id}, {@code batch-duplicate-id},
 *       {@code batch-missing}, {@code batch-empty-text}, {@code batch-cut}: the spoiled segment (and, for a cut
 *       answer, the ones after it) is never delivered, the others are, and the outcome lists problems;
 *       {@code batch-usage}: the results' usages add up to the call's; {@code batch-rate-limit}: a rate-limit
 *       refusal of a batch is a {@link RateLimitedException} with the announced wait; {@code batch-interrupt}: an
 *       interrupt abandons a held batch call.</li>
 * </ul>
 *
 * <p>No rule measures speed. Every wait is bounded by {@link #failureTimeout()}, which only a broken
 * provider ever reaches.
 */
public abstract class TranslationProviderContract {

    private static final String SERVICE = TranslationProviderFactory.class.getName();
    private static final String SERVICES_FILE = "META-INF/services/" + SERVICE;
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final SessionId SESSION = SessionId.of("fairway-contract");
    private static final SessionId OTHER_SESSION = SessionId.of("fairway-contract-2");
    /** The position of the segment whose part a spoiled batch answer spoils. */
    private static final int SPOILED = 1;
    private static final Duration RETRY_AFTER = Duration.ofSeconds(2);
    /** Length of the pieces of the credential's random part that count as a leak. */
    private static final int LEAK_WINDOW = 8;

    /**
     * The clock the kit hands to providers: every reading is one millisecond after the previous one, so a
     * provider that measures its latency on the context's clock reports one above zero however fast the
     * script answers, without the test depending on the machine's speed.
     */
    private final ManualClock clock = ManualClock.ticking(1_000_000_000_000L, Duration.ofMillis(1));
    private final String credentialSecret = newSecret();
    private final String credential = "fairway-canary-" + credentialSecret;
    private final List<TranslationProvider> providers = new CopyOnWriteArrayList<>();
    private final List<Thread> callers = new CopyOnWriteArrayList<>();
    private ProviderScript script;

    /** For subclasses. */
    protected TranslationProviderContract() {
    }

    /**
     * The factory under test. The kit builds providers with it (through
     * {@link ProviderScript#create}) and checks that {@link ServiceLoader} finds a factory of the
     * same class under the same name.
     *
     * @return the factory, for example {@code new AcmeProviderFactory()}
     */
    protected abstract TranslationProviderFactory factory();

    /**
     * A fresh script for one test; closed after it.
     *
     * @return the script
     * @throws Exception when it cannot be started (a port cannot be opened, for example)
     */
    protected abstract ProviderScript script() throws Exception;

    /**
     * How long the kit waits for something that should happen (a call to return, an interrupted call
     * to end, a request to reach the script) before it declares the rule broken. Generous on purpose:
     * a provider that keeps the contract never comes near it, and no rule asserts speed.
     *
     * @return 30 seconds by default
     */
    protected Duration failureTimeout() {
        return Duration.ofSeconds(30);
    }

    /**
     * How many calls the {@code concurrency} rule makes at once.
     *
     * @return 64 by default
     */
    protected int concurrentCalls() {
        return 64;
    }

    /**
     * The canary credential the kit hands to {@link ProviderScript#config}, for a script that wants to
     * check the provider sent it.
     *
     * @return the credential of this test
     */
    protected final String credential() {
        return credential;
    }

    /**
     * Opens this test's script.
     *
     * @throws Exception when the script cannot start
     */
    @BeforeEach
    public final void openScript() throws Exception {
        script = script();
        if (script == null) {
            throw new IllegalStateException(getClass().getName() + ".script() returned null");
        }
    }

    /**
     * Releases anything held, closes every provider the test built and the script.
     *
     * @throws Exception when the script cannot close
     */
    @AfterEach
    public final void closeScript() throws Exception {
        if (script == null) {
            return;
        }
        try {
            script.release();
            for (Thread caller : callers) {
                // A broken provider may still be stuck in a call: do not let it outlive the test.
                caller.interrupt();
            }
            for (TranslationProvider provider : providers) {
                try {
                    provider.close();
                } catch (RuntimeException e) {
                    // The close-idempotent rule reports this; cleanup goes on.
                }
            }
        } finally {
            script.close();
        }
    }

    // ---- results --------------------------------------------------------------------------------

    /** A normal answer to a final gives the script's text, usage, latency and model. */
    @Test
    @DisplayName("contract rule 'final-translation'")
    public final void finalTranslationCarriesTextUsageLatencyAndModel() throws Exception {
        script.answerNormally();
        checkTranslation("final-translation", request(SegmentKind.FINAL, 4711));
    }

    /** A normal answer to a partial gives the script's text, usage, latency and model. */
    @Test
    @DisplayName("contract rule 'partial-translation'")
    public final void partialTranslationCarriesTextUsageLatencyAndModel() throws Exception {
        script.answerNormally();
        checkTranslation("partial-translation", request(SegmentKind.PARTIAL, 815));
    }

    /** The rate-limit information of a normal answer reaches the result. */
    @Test
    @DisplayName("contract rule 'rate-limit-feedback'")
    public final void rateLimitFeedbackOfANormalAnswerIsPassedOn() throws Exception {
        Assumptions.assumeTrue(script.reportsRateLimits(), "the script's answers carry no rate-limit information");
        String rule = "rate-limit-feedback";
        script.answerNormally();
        TranslationResult result = expectResult(rule, "a normal answer must give a result",
                call(newProvider(rule), request(SegmentKind.FINAL, 4711)));
        if (!result.rateLimit().isPresent()) {
            throw broken(rule, "the rate-limit information of a normal answer (headers such as remaining requests)"
                    + " must reach TranslationResult.rateLimit(), where the limiter calibrates its window with it",
                    "rateLimit() was RateLimitFeedback.NONE");
        }
    }

    // ---- failures -------------------------------------------------------------------------------

    /** A rate-limit refusal is a RateLimitedException with the announced wait. */
    @Test
    @DisplayName("contract rule 'rate-limit-retry-after'")
    public final void rateLimitSurfacesAsRateLimitedExceptionWithRetryAfter() throws Exception {
        String rule = "rate-limit-retry-after";
        String requirement = "a 429 with retry-after " + format(RETRY_AFTER)
                + " must surface as RateLimitedException with retryAfter " + format(RETRY_AFTER);
        script.rateLimit(RETRY_AFTER);
        Outcome outcome = call(newProvider(rule), request(SegmentKind.FINAL, 4711));
        if (!(outcome.failure() instanceof RateLimitedException e)) {
            throw broken(rule, requirement, outcome.describe(), outcome.failure());
        }
        if (!e.retryAfter().equals(Optional.of(RETRY_AFTER))) {
            throw broken(rule, requirement, "its retryAfter was "
                    + e.retryAfter().map(Violations::format).orElse("absent") + " (" + describe(e) + ")", e);
        }
    }

    /** A retryable failure is a TransientProviderException. */
    @Test
    @DisplayName("contract rule 'transient-failure'")
    public final void transientFailureSurfacesAsTransientProviderException() throws Exception {
        String rule = "transient-failure";
        script.failTransiently();
        Outcome outcome = call(newProvider(rule), request(SegmentKind.FINAL, 4711));
        if (!(outcome.failure() instanceof TransientProviderException)) {
            throw broken(rule, "a transient failure (HTTP 5xx, an overloaded server) must surface as"
                    + " TransientProviderException, so that finals are retried", outcome.describe(), outcome.failure());
        }
    }

    /** A malformed request is a PermanentProviderException of kind BAD_REQUEST. */
    @Test
    @DisplayName("contract rule 'permanent-bad-request'")
    public final void badRequestSurfacesAsPermanentBadRequest() throws Exception {
        checkPermanent("permanent-bad-request", PermanentProviderException.Kind.BAD_REQUEST, "HTTP 400");
    }

    /** A rejected credential is a PermanentProviderException of kind AUTHENTICATION. */
    @Test
    @DisplayName("contract rule 'permanent-authentication'")
    public final void rejectedCredentialSurfacesAsPermanentAuthentication() throws Exception {
        checkPermanent("permanent-authentication", PermanentProviderException.Kind.AUTHENTICATION, "HTTP 401/403");
    }

    /** Exhausted credit is a PermanentProviderException of kind QUOTA_EXHAUSTED. */
    @Test
    @DisplayName("contract rule 'permanent-quota-exhausted'")
    public final void exhaustedQuotaSurfacesAsPermanentQuotaExhausted() throws Exception {
        checkPermanent("permanent-quota-exhausted", PermanentProviderException.Kind.QUOTA_EXHAUSTED, "no credit left");
    }

    // ---- interruption ---------------------------------------------------------------------------

    /** An interrupt abandons a call held by a hanging server; the provider then answers again. */
    @Test
    @DisplayName("contract rule 'interrupt' and 'usable-after-interrupt'")
    public final void interruptAbandonsAHeldCallAndTheProviderAnswersAgain() throws Exception {
        String rule = "interrupt";
        String requirement = "a call held by a hanging server must throw InterruptedException after Thread.interrupt()";
        script.hang();
        TranslationProvider provider = newProvider(rule);
        CompletableFuture<TranslationResult> outcome = new CompletableFuture<>();
        Thread caller = startCall(provider, request(SegmentKind.FINAL, 4711), outcome, false);
        if (!script.awaitHeld(1, failureTimeout())) {
            throw broken(rule, requirement, outcome.isDone()
                    ? "the call ended before the script held it: " + Outcome.of(outcome).describe()
                    : "the script saw no request within " + format(failureTimeout())
                            + " (is the provider configured to call the script?)");
        }
        caller.interrupt();
        if (!caller.join(failureTimeout())) {
            throw broken(rule, requirement, "the call was still blocked " + format(failureTimeout())
                    + " after Thread.interrupt()");
        }
        Outcome interrupted = Outcome.of(outcome);
        if (!(interrupted.failure() instanceof InterruptedException)) {
            throw broken(rule, requirement, interrupted.describe(), interrupted.failure());
        }

        script.release();
        script.answerNormally();
        String after = "usable-after-interrupt";
        TranslationRequest next = request(SegmentKind.FINAL, 1234);
        TranslationResult result = expectResult(after, "after an interrupted call, the same provider must answer"
                + " the next request normally", call(provider, next));
        checkOwnText(after, "after an interrupted call, the same provider must answer the next request normally",
                next, result);
    }

    /** A call made with the interrupt flag set throws InterruptedException instead of waiting. */
    @Test
    @DisplayName("contract rule 'interrupt-pending'")
    public final void pendingInterruptAbandonsTheCall() throws Exception {
        String rule = "interrupt-pending";
        String requirement = "a call made while the thread's interrupt flag is set must throw InterruptedException"
                + " instead of waiting for a hanging server";
        script.hang();
        TranslationProvider provider = newProvider(rule);
        CompletableFuture<TranslationResult> outcome = new CompletableFuture<>();
        Thread caller = startCall(provider, request(SegmentKind.FINAL, 4711), outcome, true);
        if (!caller.join(failureTimeout())) {
            throw broken(rule, requirement, "the call was still blocked after " + format(failureTimeout()));
        }
        Outcome result = Outcome.of(outcome);
        if (!(result.failure() instanceof InterruptedException)) {
            throw broken(rule, requirement, result.describe(), result.failure());
        }
    }

    // ---- concurrency ----------------------------------------------------------------------------

    /** Many calls at once from virtual threads each get their own translation. */
    @Test
    @DisplayName("contract rule 'concurrency'")
    public final void concurrentCallsFromVirtualThreadsEachGetTheirOwnTranslation() throws Exception {
        String rule = "concurrency";
        int n = concurrentCalls();
        String requirement = n + " calls from virtual threads at once must each get the translation of their own request";
        script.hang();
        TranslationProvider provider = newProvider(rule);
        List<TranslationRequest> requests = new ArrayList<>();
        List<CompletableFuture<TranslationResult>> outcomes = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int i = 0; i < n; i++) {
            TranslationRequest r = request(i % 2 == 0 ? SegmentKind.FINAL : SegmentKind.PARTIAL, 1000 + i);
            CompletableFuture<TranslationResult> outcome = new CompletableFuture<>();
            requests.add(r);
            outcomes.add(outcome);
            Thread caller = Thread.ofVirtual().name("fairway-contract-concurrent-" + i).unstarted(() -> {
                try {
                    start.await();
                    outcome.complete(provider.translate(r));
                } catch (Throwable t) {
                    outcome.completeExceptionally(t);
                }
            });
            callers.add(caller);
            caller.start();
        }
        start.countDown();
        // At least two calls in flight together, held by the script: any state the calls share shows.
        boolean overlapped = script.awaitHeld(Math.min(2, n), failureTimeout());
        script.release();
        script.answerNormally();
        if (!overlapped) {
            throw broken(rule, requirement + ", with several in flight together",
                    "the script never held 2 requests at once within " + format(failureTimeout())
                            + " (does the provider serialize its calls?)");
        }
        long deadline = System.nanoTime() + failureTimeout().toNanos();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TranslationRequest r = requests.get(i);
            Outcome o = Outcome.await(outcomes.get(i), Math.max(0, deadline - System.nanoTime()));
            if (o.result() == null) {
                throw broken(rule, requirement, "call " + i + " ('" + r.text() + "') " + o.describe(), o.failure());
            }
            if (!o.result().text().contains(Long.toString(r.sequence()))) {
                wrong.add("call " + i + " ('" + r.text() + "') got '" + excerpt(o.result().text()) + "'");
            }
        }
        if (!wrong.isEmpty()) {
            throw broken(rule, requirement, wrong.size() + " got another's: "
                    + String.join("; ", wrong.subList(0, Math.min(3, wrong.size()))));
        }
    }

    // ---- credentials ----------------------------------------------------------------------------

    /** The credential shows nowhere: not in logs, printed output, exceptions or toString. */
    @Test
    @DisplayName("contract rule 'no-credential-leak'")
    public final void credentialNeverShowsInLogsMessagesOrToString() throws Exception {
        String rule = "no-credential-leak";
        Map<String, String> seen = new LinkedHashMap<>();
        List<String> logged;
        try (OutputCapture capture = OutputCapture.start()) {
            Assumptions.assumeTrue(capture.seesSystemLogger(),
                    "System.Logger is not routed to java.util.logging in this run, so the kit cannot read log lines");
            seen.put("the factory's toString", String.valueOf(factory()));
            script.answerNormally();
            TranslationProvider provider = newProvider(rule);
            seen.put("the provider's toString", String.valueOf(provider));
            seen.put("the provider's model", provider.model());
            remember(seen, "a final", call(provider, request(SegmentKind.FINAL, 4711)));
            remember(seen, "a partial", call(provider, request(SegmentKind.PARTIAL, 815)));
            if (scenario(() -> script.rateLimit(RETRY_AFTER))) {
                remember(seen, "a rate-limited call", call(newProvider(rule), request(SegmentKind.FINAL, 4711)));
            }
            if (scenario(script::failTransiently)) {
                remember(seen, "a transient failure", call(newProvider(rule), request(SegmentKind.FINAL, 4711)));
            }
            for (PermanentProviderException.Kind kind : script.permanentKinds()) {
                if (scenario(() -> script.failPermanently(kind))) {
                    remember(seen, "a permanent failure (" + kind + ")",
                            call(newProvider(rule), request(SegmentKind.FINAL, 4711)));
                }
            }
            script.answerNormally();
            for (TranslationProvider p : providers) {
                p.close();
            }
            logged = capture.lines();
        }
        for (int i = 0; i < logged.size(); i++) {
            seen.put("captured output line " + (i + 1), logged.get(i));
        }
        for (Map.Entry<String, String> e : seen.entrySet()) {
            Optional<String> leak = leak(e.getValue());
            if (leak.isPresent()) {
                throw broken(rule, "the credential must never appear in a log line, printed output, an exception's"
                        + " message or stack trace, or a toString", "it appeared in " + e.getKey() + ": " + leak.get());
            }
        }
    }

    // ---- discovery ------------------------------------------------------------------------------

    /** ServiceLoader finds a factory of the same class under its name. */
    @Test
    @DisplayName("contract rule 'service-loader'")
    public final void serviceLoaderFindsTheFactoryByName() {
        String rule = "service-loader";
        TranslationProviderFactory expected = factory();
        String name = expected.name();
        String requirement = "ServiceLoader.load(TranslationProviderFactory.class) must find " + expected.getClass().getName()
                + " under the name '" + name + "'";
        TranslationProviderContract.class.getModule().addUses(TranslationProviderFactory.class);
        List<String> found = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<TranslationProviderFactory> p : ServiceLoader.load(TranslationProviderFactory.class)
                    .stream().toList()) {
                TranslationProviderFactory f = p.get();
                if (f.name().equals(name) && f.getClass() == expected.getClass()) {
                    return;
                }
                found.add(f.name() + " (" + f.getClass().getName() + ")");
            }
        } catch (ServiceConfigurationError e) {
            throw broken(rule, requirement, "loading the factories failed: " + describe(e), e);
        }
        throw broken(rule, requirement, "it found " + (found.isEmpty() ? "no factory at all" : "only " + found)
                + " (declare 'provides " + SERVICE + " with " + expected.getClass().getName()
                + "' in module-info.java, and list the class in " + SERVICES_FILE + ")");
    }

    /** The factory's module declares it with {@code provides}. */
    @Test
    @DisplayName("contract rule 'module-provides'")
    public final void moduleDeclaresTheFactory() {
        String rule = "module-provides";
        Class<?> type = factory().getClass();
        Module module = type.getModule();
        Assumptions.assumeTrue(module.isNamed(), "the factory is on the class path; only 'services-file' applies");
        ModuleDescriptor descriptor = module.getDescriptor();
        boolean declared = descriptor.provides().stream()
                .anyMatch(p -> p.service().equals(SERVICE) && p.providers().contains(type.getName()));
        if (!declared) {
            throw broken(rule, "module " + module.getName() + " must declare 'provides " + SERVICE + " with "
                    + type.getName() + "'", "its module-info declares " + descriptor.provides());
        }
    }

    /** {@code META-INF/services} lists the factory, for the class path. */
    @Test
    @DisplayName("contract rule 'services-file'")
    public final void servicesFileListsTheFactory() throws IOException {
        String rule = "services-file";
        Class<?> type = factory().getClass();
        List<String> listed = servicesFileEntries(type);
        if (!listed.contains(type.getName())) {
            throw broken(rule, SERVICES_FILE + " must list " + type.getName() + " so that the class path finds it too",
                    listed.isEmpty() ? "no such file was found beside the factory" : "it lists " + listed);
        }
    }

    /** The factory's name is well formed and the provider reports it, with a model. */
    @Test
    @DisplayName("contract rule 'names'")
    public final void namesAreWellFormedAndConsistent() {
        String rule = "names";
        TranslationProviderFactory factory = factory();
        String name = factory.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw broken(rule, "the factory's name must be lower case letters, digits and dashes (it is what"
                    + " fairway.provider selects)", "it was '" + name + "'");
        }
        if (factory.description() == null || factory.description().isBlank() || factory.description().contains("\n")) {
            throw broken(rule, "the factory's description must be one non-blank line",
                    "it was '" + factory.description() + "'");
        }
        script.answerNormally();
        TranslationProvider provider = newProvider(rule);
        if (!name.equals(provider.name())) {
            throw broken(rule, "the provider's name() must be its factory's name '" + name + "'",
                    "it was '" + provider.name() + "'");
        }
        if (provider.model() == null || provider.model().isBlank()) {
            throw broken(rule, "the provider's model() must name the model (requests are deduplicated by it)",
                    "it was '" + provider.model() + "'");
        }
    }

    // ---- estimates and lifecycle ----------------------------------------------------------------

    /** Estimates are above zero and grow with the text. */
    @Test
    @DisplayName("contract rule 'estimate-tokens'")
    public final void estimatesArePositiveAndGrowWithTheText() {
        String rule = "estimate-tokens";
        script.answerNormally();
        TranslationProvider provider = newProvider(rule);
        String shortText = "Good morning.";
        String longText = (shortText + " ").repeat(200).strip();
        for (SegmentKind kind : SegmentKind.values()) {
            int small = provider.estimateTokens(kind, shortText);
            int large = provider.estimateTokens(kind, longText);
            if (small <= 0 || large <= 0) {
                throw broken(rule, "estimateTokens must be > 0 (the limiter reserves that many tokens)",
                        "it was " + small + " for " + kind + " '" + shortText + "' and " + large + " for "
                                + longText.length() + " characters");
            }
            if (large <= small) {
                throw broken(rule, "estimateTokens must grow with the text", "it was " + small + " for "
                        + shortText.length() + " characters and " + large + " for " + longText.length() + " (" + kind + ")");
            }
        }
    }

    /** Closing twice is harmless, after calls or without any. */
    @Test
    @DisplayName("contract rule 'close-idempotent'")
    public final void closeIsIdempotent() throws Exception {
        String rule = "close-idempotent";
        script.answerNormally();
        TranslationProvider used = newProvider(rule);
        expectResult(rule, "a normal answer must give a result", call(used, request(SegmentKind.FINAL, 4711)));
        TranslationProvider unused = newProvider(rule);
        for (TranslationProvider provider : List.of(used, unused)) {
            for (int i = 1; i <= 2; i++) {
                try {
                    provider.close();
                } catch (RuntimeException e) {
                    throw broken(rule, "close() must be idempotent: closing twice is harmless",
                            "close number " + i + " threw " + describe(e), e);
                }
            }
        }
    }

    // ---- batches --------------------------------------------------------------------------------

    /** A batch call carries every segment once, in order. */
    @Test
    @DisplayName("contract rule 'batch-request'")
    public final void batchCallCarriesEverySegmentInOrder() throws Exception {
        String rule = "batch-request";
        TranslationProvider provider = batchScenario(rule, () -> script.answerBatch(ProviderScript.BatchAnswer.VALID, SPOILED));
        List<TranslationRequest> requests = batchRequests(provider);
        BatchRun run = callBatch(provider, requests);
        List<String> texts = requests.stream().map(TranslationRequest::text).toList();
        List<String> found = script.lastBatch();
        if (!found.equals(texts)) {
            throw broken(rule, "a batch call must carry every segment once, in the order given, as the API's batch"
                    + " request that the script reads", (found.isEmpty() ? "the script found no batch in the requests"
                    + " it received" : "the script found the segments " + found + " instead of " + texts)
                    + " (the call " + run.describe() + ")", run.failure());
        }
    }

    /** A valid batch answer hands every segment over once, under its own index, on the calling thread. */
    @Test
    @DisplayName("contract rule 'batch-valid'")
    public final void validBatchAnswerDeliversEverySegmentOnce() throws Exception {
        String rule = "batch-valid";
        String requirement = "a valid batch answer must hand every segment to the receiver once, under its own index,"
                + " on the thread that called translateBatch, and return an outcome without problems";
        TranslationProvider provider = batchScenario(rule, () -> script.answerBatch(ProviderScript.BatchAnswer.VALID, SPOILED));
        List<TranslationRequest> requests = batchRequests(provider);
        BatchRun run = callBatch(provider, requests);
        BatchOutcome outcome = expectOutcome(rule, requirement, run);
        checkDeliveries(rule, requirement, requests, run, allBut(requests.size(), Set.of()));
        for (Delivery d : run.deliveries()) {
            if (d.thread() != run.caller()) {
                throw broken(rule, requirement, "segment " + d.index() + " was handed over on thread '"
                        + d.thread().getName() + "'");
            }
            if (d.result().model().isBlank()) {
                throw broken(rule, requirement + ", each result naming the model", "segment " + d.index()
                        + "'s model was blank");
            }
        }
        if (!outcome.problems().isEmpty()) {
            throw broken(rule, requirement, "its problems were " + outcome.problems());
        }
    }

    /** A part with an id the request did not give is never delivered. */
    @Test
    @DisplayName("contract rule 'batch-unknown-id'")
    public final void unknownIdIsNeverDelivered() throws Exception {
        checkSpoiled("batch-unknown-id", ProviderScript.BatchAnswer.UNKNOWN_ID, "carries an id the request did not give");
    }

    /** A part that repeats an id answered before is never delivered. */
    @Test
    @DisplayName("contract rule 'batch-duplicate-id'")
    public final void duplicateIdIsNeverDelivered() throws Exception {
        checkSpoiled("batch-duplicate-id", ProviderScript.BatchAnswer.DUPLICATE_ID,
                "carries the id of the segment before it, answered already");
    }

    /** A segment the answer leaves out is not delivered, and the others are. */
    @Test
    @DisplayName("contract rule 'batch-missing'")
    public final void missingSegmentIsNotDelivered() throws Exception {
        checkSpoiled("batch-missing", ProviderScript.BatchAnswer.MISSING, "is missing");
    }

    /** A part with an empty text is never delivered. */
    @Test
    @DisplayName("contract rule 'batch-empty-text'")
    public final void emptyTextIsNeverDelivered() throws Exception {
        checkSpoiled("batch-empty-text", ProviderScript.BatchAnswer.EMPTY_TEXT, "has an empty text");
    }

    /** An answer cut in the middle of a part delivers only the segments before it. */
    @Test
    @DisplayName("contract rule 'batch-cut'")
    public final void cutAnswerDeliversOnlyTheSegmentsBeforeTheCut() throws Exception {
        checkSpoiled("batch-cut", ProviderScript.BatchAnswer.CUT, "is cut in the middle (the answer's JSON unfinished)");
    }

    /** The results' usages add up to the call's usage. */
    @Test
    @DisplayName("contract rule 'batch-usage'")
    public final void batchResultsShareTheCallsUsage() throws Exception {
        String rule = "batch-usage";
        TranslationProvider provider = batchScenario(rule, () -> script.answerBatch(ProviderScript.BatchAnswer.VALID, SPOILED));
        List<TranslationRequest> requests = batchRequests(provider);
        BatchRun run = callBatch(provider, requests);
        String requirement = "a valid batch answer must give an outcome with the call's usage (input and output tokens > 0)";
        BatchOutcome outcome = expectOutcome(rule, requirement, run);
        TokenUsage call = outcome.usage();
        if (call.promptTokens() <= 0 || call.completionTokens() <= 0) {
            throw broken(rule, requirement, "the outcome's usage was " + call);
        }
        checkDeliveries(rule, "a valid batch answer must hand every segment over", requests, run,
                allBut(requests.size(), Set.of()));
        if (script.batchUsageComesLast()) {
            for (Delivery d : run.deliveries()) {
                if (d.result().usage().totalTokens() <= 0) {
                    throw broken(rule, "each segment delivered before the answer's usage came must carry a share of"
                            + " an estimate (> 0)", "segment " + d.index() + "'s usage was " + d.result().usage());
                }
            }
            return;
        }
        int prompt = 0;
        int completion = 0;
        int total = 0;
        for (Delivery d : run.deliveries()) {
            prompt += d.result().usage().promptTokens();
            completion += d.result().usage().completionTokens();
            total += d.result().usage().totalTokens();
        }
        TokenUsage sum = new TokenUsage(prompt, completion, total);
        if (!sum.equals(call)) {
            throw broken(rule, "the results' usages must be each segment's share of the call's usage, adding up to it",
                    "they added up to " + sum + ", and the outcome's usage was " + call);
        }
    }

    /** A rate-limit refusal of a batch call is a RateLimitedException with the announced wait. */
    @Test
    @DisplayName("contract rule 'batch-rate-limit'")
    public final void rateLimitedBatchSurfacesAsRateLimitedException() throws Exception {
        String rule = "batch-rate-limit";
        String requirement = "a 429 with retry-after " + format(RETRY_AFTER) + " on a batch call must surface as"
                + " RateLimitedException with retryAfter " + format(RETRY_AFTER) + ", as for a single call";
        TranslationProvider provider = batchScenario(rule, () -> script.rateLimit(RETRY_AFTER));
        BatchRun run = callBatch(provider, batchRequests(provider));
        if (!(run.failure() instanceof RateLimitedException e)) {
            throw broken(rule, requirement, run.describe(), run.failure());
        }
        if (!e.retryAfter().equals(Optional.of(RETRY_AFTER))) {
            throw broken(rule, requirement, "its retryAfter was "
                    + e.retryAfter().map(Violations::format).orElse("absent") + " (" + describe(e) + ")", e);
        }
        if (!run.deliveries().isEmpty()) {
            throw broken(rule, requirement + ", delivering nothing", run.deliveries().size() + " segments were delivered");
        }
    }

    /** An interrupt abandons a batch call held by a hanging server. */
    @Test
    @DisplayName("contract rule 'batch-interrupt'")
    public final void interruptAbandonsAHeldBatchCall() throws Exception {
        String rule = "batch-interrupt";
        String requirement = "a batch call held by a hanging server must throw InterruptedException after"
                + " Thread.interrupt()";
        TranslationProvider provider = batchScenario(rule, script::hang);
        CompletableFuture<BatchOutcome> outcome = new CompletableFuture<>();
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        Thread caller = startBatch(provider, batchRequests(provider), deliveries, outcome);
        if (!script.awaitHeld(1, failureTimeout())) {
            throw broken(rule, requirement, outcome.isDone()
                    ? "the call ended before the script held it: " + BatchRun.of(outcome, deliveries, caller).describe()
                    : "the script saw no request within " + format(failureTimeout()));
        }
        caller.interrupt();
        if (!caller.join(failureTimeout())) {
            throw broken(rule, requirement, "the call was still blocked " + format(failureTimeout())
                    + " after Thread.interrupt()");
        }
        BatchRun run = BatchRun.of(outcome, deliveries, caller);
        if (!(run.failure() instanceof InterruptedException)) {
            throw broken(rule, requirement, run.describe(), run.failure());
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void checkTranslation(String rule, TranslationRequest request) throws InterruptedException {
        String kind = request.kind().name().toLowerCase(Locale.ROOT);
        String requirement = "a normal answer to a " + kind + " must give a TranslationResult";
        TranslationResult result = expectResult(rule, requirement, call(newProvider(rule), request));
        checkOwnText(rule, requirement + " with the script's translation", request, result);
        if (result.usage().promptTokens() <= 0 || result.usage().completionTokens() <= 0 || result.usage().totalTokens() <= 0) {
            throw broken(rule, requirement + " with the usage the answer reported (input and output tokens > 0)",
                    "its usage was " + result.usage());
        }
        if (result.providerLatency().isZero() || result.providerLatency().isNegative()) {
            throw broken(rule, requirement + " with the call's latency (> 0, measured on the context's clock)",
                    "its providerLatency was " + result.providerLatency());
        }
        if (result.model().isBlank()) {
            throw broken(rule, requirement + " naming the model that answered", "its model was blank");
        }
    }

    private void checkOwnText(String rule, String requirement, TranslationRequest request, TranslationResult result) {
        String number = Long.toString(request.sequence());
        if (!result.text().contains(number)) {
            throw broken(rule, requirement + " (the script's answer keeps the number " + number + " of '"
                    + request.text() + "')", "its text was '" + excerpt(result.text()) + "'");
        }
    }

    private void checkPermanent(String rule, PermanentProviderException.Kind kind, String example) throws Exception {
        Assumptions.assumeTrue(script.permanentKinds().contains(kind), "the script cannot refuse with " + kind);
        String requirement = "a permanent refusal of kind " + kind + " (" + example + ") must surface as"
                + " PermanentProviderException with kind " + kind;
        script.failPermanently(kind);
        Outcome outcome = call(newProvider(rule), request(SegmentKind.FINAL, 4711));
        if (!(outcome.failure() instanceof PermanentProviderException e)) {
            throw broken(rule, requirement, outcome.describe(), outcome.failure());
        }
        if (e.kind() != kind) {
            throw broken(rule, requirement, "its kind was " + e.kind() + " (" + describe(e) + ")", e);
        }
    }

    private TranslationResult expectResult(String rule, String requirement, Outcome outcome) {
        if (outcome.result() == null) {
            throw broken(rule, requirement, outcome.describe(), outcome.failure());
        }
        return outcome.result();
    }

    private TranslationProvider newProvider(String rule) {
        PluginConfig config = script.config(credential);
        ProviderContext context = new ProviderContext(config, OpenTelemetry.noop(), clock);
        TranslationProvider provider;
        try {
            provider = script.create(factory(), context);
        } catch (RuntimeException e) {
            throw broken(rule, "the factory must build a provider from the script's configuration",
                    "it threw " + describe(e), e);
        }
        if (provider == null) {
            throw broken(rule, "the factory must build a provider from the script's configuration", "it returned null");
        }
        providers.add(provider);
        return provider;
    }

    /**
     * Skips the rule unless the provider batches; then sets the scenario and builds a fresh provider for it (a
     * script may bake the scenario into the configuration).
     */
    private TranslationProvider batchScenario(String rule, Runnable scenario) {
        script.answerNormally();
        Optional<BatchLimits> limits = newProvider(rule).batchLimits();
        Assumptions.assumeTrue(limits != null && limits.isPresent(), "the provider does not batch: batchLimits() is empty");
        scenario.run();
        return newProvider(rule);
    }

    /**
     * Three segments (two where the provider takes no more) of two sessions, a partial among finals, three language
     * pairs; each estimate the provider's own, within its batch limits.
     */
    private static List<TranslationRequest> batchRequests(TranslationProvider provider) {
        BatchLimits limits = provider.batchLimits().orElseThrow();
        int n = Math.min(3, limits.maxSegments());
        List<TranslationRequest> requests = new ArrayList<>();
        String[][] segments = {
                {"en", "fr", "Good morning, this is sentence number 4711."},
                {"en", "de", "So we meet again at number 815 and"},
                {"de", "es", "Guten Morgen, das ist Satz Nummer 1234."}};
        long[] numbers = {4711, 815, 1234};
        for (int i = 0; i < n; i++) {
            SegmentKind kind = i == 1 ? SegmentKind.PARTIAL : SegmentKind.FINAL;
            String text = segments[i][2];
            int estimate = Math.max(1, Math.min(provider.estimateTokens(kind, text), limits.maxTokens() / n));
            requests.add(new TranslationRequest(i == 1 ? OTHER_SESSION : SESSION, kind, numbers[i], text,
                    segments[i][0], segments[i][1], estimate));
        }
        return List.copyOf(requests);
    }

    private static Set<Integer> allBut(int n, Set<Integer> left) {
        Set<Integer> all = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            if (!left.contains(i)) {
                all.add(i);
            }
        }
        return all;
    }

    private void checkSpoiled(String rule, ProviderScript.BatchAnswer kind, String what) throws Exception {
        TranslationProvider provider = batchScenario(rule, () -> script.answerBatch(kind, SPOILED));
        List<TranslationRequest> requests = batchRequests(provider);
        Set<Integer> left = new TreeSet<>();
        for (int i = SPOILED; i < requests.size(); i++) {
            if (i == SPOILED || kind == ProviderScript.BatchAnswer.CUT) {
                left.add(i);
            }
        }
        String never = left.size() == 1 ? "segment " + SPOILED : "segments " + left;
        String requirement = "when segment " + SPOILED + "'s part of a batch answer " + what + ", " + never
                + " must never be delivered (left for single calls), the others must be, and the outcome must list"
                + " the problem";
        BatchRun run = callBatch(provider, requests);
        BatchOutcome outcome = expectOutcome(rule, requirement + " (a spoiled answer is no failed call)", run);
        checkDeliveries(rule, requirement, requests, run, allBut(requests.size(), left));
        if (outcome.problems().isEmpty()) {
            throw broken(rule, requirement, "the outcome's problems were empty");
        }
    }

    /** Each delivery once, in range, with its own segment's text; exactly the expected segments. */
    private static void checkDeliveries(String rule, String requirement, List<TranslationRequest> requests, BatchRun run,
            Set<Integer> expected) {
        Set<Integer> seen = new TreeSet<>();
        for (Delivery d : run.deliveries()) {
            if (d.index() < 0 || d.index() >= requests.size()) {
                throw broken(rule, requirement, "a segment was delivered under index " + d.index() + " of a batch of "
                        + requests.size());
            }
            if (!seen.add(d.index())) {
                throw broken(rule, requirement, "segment " + d.index() + " was delivered twice");
            }
            TranslationRequest r = requests.get(d.index());
            if (!expected.contains(d.index())) {
                throw broken(rule, requirement, "segment " + d.index() + " was delivered, with text '"
                        + excerpt(d.result().text()) + "'");
            }
            if (!d.result().text().contains(Long.toString(r.sequence()))) {
                throw broken(rule, requirement + ", each with its own translation (the script's keeps the number "
                        + r.sequence() + " of '" + r.text() + "')", "segment " + d.index() + " got '"
                        + excerpt(d.result().text()) + "'");
            }
        }
        Set<Integer> missing = new TreeSet<>(expected);
        missing.removeAll(seen);
        if (!missing.isEmpty()) {
            throw broken(rule, requirement, "segment" + (missing.size() > 1 ? "s " : " ") + missing
                    + (missing.size() > 1 ? " were" : " was") + " not delivered (the call " + run.describe() + ")",
                    run.failure());
        }
    }

    private static BatchOutcome expectOutcome(String rule, String requirement, BatchRun run) {
        if (run.outcome() == null) {
            throw broken(rule, requirement, run.describe(), run.failure());
        }
        return run.outcome();
    }

    /** Calls translateBatch on a virtual thread, bounded by the failure timeout; a call still running is interrupted. */
    private BatchRun callBatch(TranslationProvider provider, List<TranslationRequest> requests) throws InterruptedException {
        CompletableFuture<BatchOutcome> outcome = new CompletableFuture<>();
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        Thread caller = startBatch(provider, requests, deliveries, outcome);
        try {
            outcome.get(failureTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // Described by the run.
        } catch (TimeoutException e) {
            caller.interrupt();
            return new BatchRun(List.copyOf(deliveries), null, null, false, caller);
        }
        return BatchRun.of(outcome, deliveries, caller);
    }

    private Thread startBatch(TranslationProvider provider, List<TranslationRequest> requests, List<Delivery> deliveries,
            CompletableFuture<BatchOutcome> outcome) {
        Thread caller = Thread.ofVirtual().name("fairway-contract-batch").unstarted(() -> {
            try {
                outcome.complete(provider.translateBatch(requests,
                        (index, result) -> deliveries.add(new Delivery(index, result, Thread.currentThread()))));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        callers.add(caller);
        caller.start();
        return caller;
    }

    private static TranslationRequest request(SegmentKind kind, int number) {
        String text = kind == SegmentKind.FINAL
                ? "Good morning, this is sentence number " + number + "."
                : "So we meet again at number " + number + " and";
        return new TranslationRequest(SESSION, kind, number, text, "en", "fr", 64);
    }

    /** Calls on a virtual thread, bounded by the failure timeout; a call still running is interrupted. */
    private Outcome call(TranslationProvider provider, TranslationRequest request) throws InterruptedException {
        CompletableFuture<TranslationResult> outcome = new CompletableFuture<>();
        Thread caller = startCall(provider, request, outcome, false);
        Outcome o = Outcome.await(outcome, failureTimeout().toNanos());
        if (!o.finished()) {
            caller.interrupt();
        }
        return o;
    }

    private Thread startCall(TranslationProvider provider, TranslationRequest request,
                             CompletableFuture<TranslationResult> outcome, boolean interruptFirst) {
        Thread caller = Thread.ofVirtual().name("fairway-contract-call").unstarted(() -> {
            try {
                if (interruptFirst) {
                    Thread.currentThread().interrupt();
                }
                outcome.complete(provider.translate(request));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        callers.add(caller);
        caller.start();
        return caller;
    }

    /** Sets a scenario; false when the script aborted it (a real endpoint that cannot be told to fail). */
    private static boolean scenario(Runnable setUp) {
        try {
            setUp.run();
            return true;
        } catch (TestAbortedException e) {
            return false;
        }
    }

    private static void remember(Map<String, String> seen, String what, Outcome outcome) {
        if (outcome.result() != null) {
            seen.put("the result of " + what, outcome.result().toString());
        }
        if (outcome.failure() != null) {
            StringWriter trace = new StringWriter();
            outcome.failure().printStackTrace(new PrintWriter(trace));
            seen.put("the exception of " + what + " (message, toString, causes)",
                    outcome.failure() + "\n" + trace);
        }
    }

    /** The text with the credential masked, when it holds the credential or a piece of its random part. */
    private Optional<String> leak(String text) {
        if (text == null) {
            return Optional.empty();
        }
        boolean leaked = text.contains(credential);
        for (int i = 0; !leaked && i + LEAK_WINDOW <= credentialSecret.length(); i++) {
            leaked = text.contains(credentialSecret.substring(i, i + LEAK_WINDOW));
        }
        if (!leaked) {
            return Optional.empty();
        }
        String masked = text.replace(credential, "<credential>");
        for (int i = 0; i + LEAK_WINDOW <= credentialSecret.length(); i++) {
            masked = masked.replace(credentialSecret.substring(i, i + LEAK_WINDOW), "<part of the credential>");
        }
        return Optional.of("'" + excerpt(masked) + "'");
    }

    private static List<String> servicesFileEntries(Class<?> type) throws IOException {
        List<String> entries = new ArrayList<>();
        Module module = type.getModule();
        if (module.isNamed()) {
            try (InputStream in = module.getResourceAsStream(SERVICES_FILE)) {
                if (in != null) {
                    entries.addAll(serviceLines(in));
                }
            }
            return entries;
        }
        ClassLoader loader = type.getClassLoader() == null ? ClassLoader.getSystemClassLoader() : type.getClassLoader();
        Enumeration<URL> files = loader.getResources(SERVICES_FILE);
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                entries.addAll(serviceLines(in));
            }
        }
        return entries;
    }

    private static List<String> serviceLines(InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        return reader.lines()
                .map(line -> line.contains("#") ? line.substring(0, line.indexOf('#')) : line)
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .toList();
    }

    private static String newSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * One segment a batch call handed to the receiver.
     *
     * @param index the index it was handed over under
     * @param result its result
     * @param thread the thread that handed it over
     */
    private record Delivery(int index, TranslationResult result, Thread thread) {
    }

    /**
     * How a batch call ended.
     *
     * @param deliveries what the receiver took, in order
     * @param outcome the outcome, or null
     * @param failure what it threw, or null
     * @param finished false when it was still running at the deadline
     * @param caller the thread that called translateBatch
     */
    private record BatchRun(List<Delivery> deliveries, BatchOutcome outcome, Throwable failure, boolean finished,
                            Thread caller) {

        /** The run of a call that is done. */
        static BatchRun of(CompletableFuture<BatchOutcome> done, List<Delivery> deliveries, Thread caller)
                throws InterruptedException {
            try {
                return new BatchRun(List.copyOf(deliveries), done.get(0, TimeUnit.NANOSECONDS), null, true, caller);
            } catch (ExecutionException e) {
                return new BatchRun(List.copyOf(deliveries), null, e.getCause(), true, caller);
            } catch (TimeoutException e) {
                return new BatchRun(List.copyOf(deliveries), null, null, false, caller);
            }
        }

        String describe() {
            String delivered = deliveries.isEmpty() ? "after delivering no segment"
                    : "after delivering segments " + deliveries.stream().map(Delivery::index).toList();
            if (!finished) {
                return "had not returned after the kit's failure timeout, " + delivered;
            }
            if (outcome != null) {
                return "returned " + delivered + ", with problems " + outcome.problems();
            }
            return "threw " + Violations.describe(failure) + " " + delivered;
        }
    }

    /**
     * How a call ended.
     *
     * @param result the result, or null
     * @param failure what it threw, or null
     * @param finished false when it was still running at the deadline
     */
    private record Outcome(TranslationResult result, Throwable failure, boolean finished) {

        static Outcome await(CompletableFuture<TranslationResult> future, long nanos) throws InterruptedException {
            try {
                return new Outcome(future.get(nanos, TimeUnit.NANOSECONDS), null, true);
            } catch (ExecutionException e) {
                return new Outcome(null, e.getCause(), true);
            } catch (TimeoutException e) {
                return new Outcome(null, null, false);
            }
        }

        /** The outcome of a future that is done. */
        static Outcome of(CompletableFuture<TranslationResult> done) throws InterruptedException {
            return await(done, 0);
        }

        String describe() {
            if (!finished) {
                return "the call had not returned after the kit's failure timeout";
            }
            if (result != null) {
                return "it returned a result with text '" + excerpt(result.text()) + "'";
            }
            return "got " + Violations.describe(failure);
        }
    }
}

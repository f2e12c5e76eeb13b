package dev.fairway.provider.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.provider.tck.ReferenceProvider.Flaw;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the contract, through the JUnit Platform launcher, against a correct in-process provider
 * and against deliberately broken ones, and checks that each flaw fails exactly the rule that
 * names it.
 *
 * <p>The reference provider's factory lives in this module's tests, which declare no
 * {@code provides}: so every run also fails the three discovery rules, which shows what an
 * undeclared provider is told.
 */
class ContractKitTest {

    private static final Set<String> UNDECLARED = Set.of("service-loader", "module-provides", "services-file");
    private static final Pattern RULE = Pattern.compile("^contract rule '([a-z-]+)': ");

    /** The rules that failed and their messages. */
    record Run(Map<String, String> failures, int succeeded, int aborted) {
        Set<String> rules() {
            return new TreeSet<>(failures.keySet());
        }

        String message(String rule) {
            return failures.get(rule);
        }
    }

    static Run run(Class<?> contract) {
        Map<String, String> failures = new ConcurrentHashMap<>();
        int[] counts = new int[2];
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(contract)).build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    result.getThrowable().ifPresent(t -> failures.put("(container) " + id.getDisplayName(), String.valueOf(t)));
                    return;
                }
                switch (result.getStatus()) {
                    case SUCCESSFUL -> counts[0]++;
                    case ABORTED -> counts[1]++;
                    case FAILED -> {
                        String message = result.getThrowable().map(Throwable::getMessage).orElse("");
                        Matcher m = RULE.matcher(message == null ? "" : message);
                        failures.put(m.find() ? m.group(1) : "(no rule named) " + id.getDisplayName(), String.valueOf(message));
                    }
                }
            }
        });
        return new Run(new TreeMap<>(failures), counts[0], counts[1]);
    }

    private static void assertFailsExactly(Run run, String... rules) {
        Set<String> expected = new TreeSet<>(UNDECLARED);
        expected.addAll(List.of(rules));
        assertEquals(expected, run.rules(), run.failures().toString());
    }

    // ---- the contracts the launcher runs: not picked up by Surefire (nested classes) ----------

    /** The contract against a reference provider with some flaws. */
    abstract static class ReferenceContract extends TranslationProviderContract {
        private final Set<Flaw> flaws;
        private final boolean batches;

        ReferenceContract(Set<Flaw> flaws) {
            this(flaws, true);
        }

        ReferenceContract(Set<Flaw> flaws, boolean batches) {
            this.flaws = flaws;
            this.batches = batches;
        }

        @Override
        protected TranslationProviderFactory factory() {
            return new ReferenceProvider.Factory();
        }

        @Override
        protected ProviderScript script() {
            return new ReferenceProvider.Script(flaws, batches);
        }

        @Override
        protected Duration failureTimeout() {
            // Only the flaws that ignore an interrupt ever wait this long.
            return Duration.ofSeconds(2);
        }
    }

    static final class Correct extends ReferenceContract {
        Correct() {
            super(EnumSet.noneOf(Flaw.class));
        }
    }

    static final class DoesNotBatch extends ReferenceContract {
        DoesNotBatch() {
            super(EnumSet.noneOf(Flaw.class), false);
        }
    }

    static final class DeliversSpoiledBatchParts extends ReferenceContract {
        DeliversSpoiledBatchParts() {
            super(EnumSet.of(Flaw.DELIVERS_SPOILED_BATCH_PARTS));
        }
    }

    static final class WholeUsagePerBatchSegment extends ReferenceContract {
        WholeUsagePerBatchSegment() {
            super(EnumSet.of(Flaw.WHOLE_USAGE_PER_BATCH_SEGMENT));
        }
    }

    static final class WrapsInterrupt extends ReferenceContract {
        WrapsInterrupt() {
            super(EnumSet.of(Flaw.WRAPS_INTERRUPT));
        }
    }

    static final class IgnoresPendingInterrupt extends ReferenceContract {
        IgnoresPendingInterrupt() {
            super(EnumSet.of(Flaw.IGNORES_PENDING_INTERRUPT));
        }
    }

    static final class BrokenAfterInterrupt extends ReferenceContract {
        BrokenAfterInterrupt() {
            super(EnumSet.of(Flaw.BROKEN_AFTER_INTERRUPT));
        }
    }

    static final class RateLimitAsTransient extends ReferenceContract {
        RateLimitAsTransient() {
            super(EnumSet.of(Flaw.RATE_LIMIT_AS_TRANSIENT));
        }
    }

    static final class DropsRetryAfter extends ReferenceContract {
        DropsRetryAfter() {
            super(EnumSet.of(Flaw.DROPS_RETRY_AFTER));
        }
    }

    static final class TransientAsPermanent extends ReferenceContract {
        TransientAsPermanent() {
            super(EnumSet.of(Flaw.TRANSIENT_AS_PERMANENT));
        }
    }

    static final class AuthenticationAsBadRequest extends ReferenceContract {
        AuthenticationAsBadRequest() {
            super(EnumSet.of(Flaw.AUTHENTICATION_AS_BAD_REQUEST));
        }
    }

    static final class LeaksKeyInMessage extends ReferenceContract {
        LeaksKeyInMessage() {
            super(EnumSet.of(Flaw.LEAKS_KEY_IN_MESSAGE));
        }
    }

    static final class LogsKey extends ReferenceContract {
        LogsKey() {
            super(EnumSet.of(Flaw.LOGS_KEY));
        }
    }

    static final class SharedState extends ReferenceContract {
        SharedState() {
            super(EnumSet.of(Flaw.SHARED_STATE));
        }
    }

    static final class NoUsage extends ReferenceContract {
        NoUsage() {
            super(EnumSet.of(Flaw.NO_USAGE));
        }
    }

    static final class DropsFeedback extends ReferenceContract {
        DropsFeedback() {
            super(EnumSet.of(Flaw.DROPS_FEEDBACK));
        }
    }

    static final class ZeroEstimate extends ReferenceContract {
        ZeroEstimate() {
            super(EnumSet.of(Flaw.ZERO_ESTIMATE));
        }
    }

    static final class CloseTwiceThrows extends ReferenceContract {
        CloseTwiceThrows() {
            super(EnumSet.of(Flaw.CLOSE_TWICE_THROWS));
        }
    }

    static final class WrongName extends ReferenceContract {
        WrongName() {
            super(EnumSet.of(Flaw.WRONG_NAME));
        }
    }

    // ---- the kit's own tests -------------------------------------------------------------------

    @Test
    void correctProviderPassesEveryRuleButTheDeclarationsItLacks() {
        Run run = run(Correct.class);

        assertFailsExactly(run);
        assertEquals(0, run.aborted(), "the reference script supports every scenario");
        assertTrue(run.succeeded() >= 15, "rules that passed: " + run.succeeded());
    }

    @Test
    void undeclaredFactoryIsToldHowToDeclareIt() {
        Run run = run(Correct.class);

        assertTrue(run.message("service-loader").startsWith("contract rule 'service-loader': "
                + "ServiceLoader.load(TranslationProviderFactory.class) must find "
                + "dev.fairway.provider.tck.ReferenceProvider$Factory under the name 'reference', but it found "),
                run.message("service-loader"));
        assertTrue(run.message("service-loader").contains("declare 'provides dev.fairway.api.spi.TranslationProviderFactory"
                + " with dev.fairway.provider.tck.ReferenceProvider$Factory' in module-info.java"), run.message("service-loader"));
        assertTrue(run.message("module-provides").startsWith("contract rule 'module-provides': module dev.fairway.provider.tck"
                + " must declare 'provides"), run.message("module-provides"));
        assertTrue(run.message("services-file").contains("no such file was found beside the factory"),
                run.message("services-file"));
    }

    @Test
    void rateLimitMappedToTransientFailsRateLimitRetryAfter() {
        Run run = run(RateLimitAsTransient.class);

        assertFailsExactly(run, "rate-limit-retry-after", "batch-rate-limit");
        assertEquals("contract rule 'rate-limit-retry-after': a 429 with retry-after 2s must surface as"
                        + " RateLimitedException with retryAfter 2s, but got TransientProviderException:"
                        + " reference: HTTP 429 Too Many Requests", run.message("rate-limit-retry-after"));
    }

    @Test
    void lostRetryAfterFailsRateLimitRetryAfter() {
        Run run = run(DropsRetryAfter.class);

        assertFailsExactly(run, "rate-limit-retry-after", "batch-rate-limit");
        assertTrue(run.message("rate-limit-retry-after").contains("but its retryAfter was absent"),
                run.message("rate-limit-retry-after"));
    }

    @Test
    void wrappedInterruptFailsBothInterruptRules() {
        Run run = run(WrapsInterrupt.class);

        assertFailsExactly(run, "interrupt", "interrupt-pending", "batch-interrupt");
        assertTrue(run.message("interrupt").contains("must throw InterruptedException after Thread.interrupt(), but got"
                + " TransientProviderException: reference: the call was interrupted"), run.message("interrupt"));
    }

    @Test
    void ignoredPendingInterruptFailsInterruptPending() {
        Run run = run(IgnoresPendingInterrupt.class);

        assertFailsExactly(run, "interrupt-pending");
        assertTrue(run.message("interrupt-pending").contains("but the call was still blocked after 2s"),
                run.message("interrupt-pending"));
    }

    @Test
    void providerBrokenByAnInterruptFailsUsableAfterInterrupt() {
        Run run = run(BrokenAfterInterrupt.class);

        assertFailsExactly(run, "usable-after-interrupt");
        assertTrue(run.message("usable-after-interrupt").contains("the connection pool is closed"),
                run.message("usable-after-interrupt"));
    }

    @Test
    void transientMappedToPermanentFailsTransientFailure() {
        Run run = run(TransientAsPermanent.class);

        assertFailsExactly(run, "transient-failure");
        assertTrue(run.message("transient-failure").contains("but got PermanentProviderException(OTHER)"),
                run.message("transient-failure"));
    }

    @Test
    void authenticationMappedToBadRequestFailsPermanentAuthentication() {
        Run run = run(AuthenticationAsBadRequest.class);

        assertFailsExactly(run, "permanent-authentication");
        assertTrue(run.message("permanent-authentication").contains("must surface as PermanentProviderException with kind"
                + " AUTHENTICATION, but its kind was BAD_REQUEST"), run.message("permanent-authentication"));
    }

    @Test
    void keyInAnExceptionMessageFailsNoCredentialLeakWithoutRepeatingIt() {
        Run run = run(LeaksKeyInMessage.class);

        assertFailsExactly(run, "no-credential-leak");
        String message = run.message("no-credential-leak");
        assertTrue(message.contains("but it appeared in the exception of a permanent failure (AUTHENTICATION)"), message);
        assertTrue(message.contains("invalid api key '<credential>'"), message);
        assertFalse(message.contains("fairway-canary-"), message);
    }

    @Test
    void keyInALogLineFailsNoCredentialLeak() {
        Run run = run(LogsKey.class);

        assertFailsExactly(run, "no-credential-leak");
        assertTrue(run.message("no-credential-leak").contains("but it appeared in captured output line"),
                run.message("no-credential-leak"));
        assertTrue(run.message("no-credential-leak").contains("created with api-key <credential>"),
                run.message("no-credential-leak"));
    }

    @Test
    void stateSharedBetweenCallsFailsConcurrency() {
        Run run = run(SharedState.class);

        assertFailsExactly(run, "concurrency");
        assertTrue(run.message("concurrency").startsWith("contract rule 'concurrency': 64 calls from virtual threads at"
                + " once must each get the translation of their own request, but "), run.message("concurrency"));
        assertTrue(run.message("concurrency").contains(" got another's: call "), run.message("concurrency"));
    }

    @Test
    void missingUsageFailsBothTranslationRules() {
        Run run = run(NoUsage.class);

        assertFailsExactly(run, "final-translation", "partial-translation", "batch-usage");
        assertTrue(run.message("final-translation").contains("with the usage the answer reported (input and output"
                + " tokens > 0), but its usage was TokenUsage[promptTokens=0"), run.message("final-translation"));
    }

    @Test
    void providerThatDoesNotBatchHasTheBatchRulesSkipped() {
        Run run = run(DoesNotBatch.class);

        assertFailsExactly(run);
        assertEquals(10, run.aborted(), "the batch rules");
    }

    @Test
    void spoiledBatchPartsDeliveredFailTheRulesOfEachSpoilingButMissing() {
        Run run = run(DeliversSpoiledBatchParts.class);

        assertFailsExactly(run, "batch-unknown-id", "batch-duplicate-id", "batch-empty-text", "batch-cut");
        assertEquals("contract rule 'batch-empty-text': when segment 1's part of a batch answer has an empty text,"
                + " segment 1 must never be delivered (left for single calls), the others must be, and the outcome"
                + " must list the problem, but segment 1 was delivered, with text ''", run.message("batch-empty-text"));
        assertTrue(run.message("batch-duplicate-id").endsWith("but segment 0 was delivered twice"),
                run.message("batch-duplicate-id"));
        assertTrue(run.message("batch-cut").contains("segments [1, 2] must never be delivered"), run.message("batch-cut"));
    }

    @Test
    void wholeUsageForEachBatchSegmentFailsBatchUsage() {
        Run run = run(WholeUsagePerBatchSegment.class);

        assertFailsExactly(run, "batch-usage");
        assertEquals("contract rule 'batch-usage': the results' usages must be each segment's share of the call's"
                + " usage, adding up to it, but they added up to TokenUsage[promptTokens=108, completionTokens=45,"
                + " totalTokens=153], and the outcome's usage was TokenUsage[promptTokens=36, completionTokens=15,"
                + " totalTokens=51]", run.message("batch-usage"));
    }

    @Test
    void droppedFeedbackFailsRateLimitFeedback() {
        assertFailsExactly(run(DropsFeedback.class), "rate-limit-feedback");
    }

    @Test
    void zeroEstimateFailsEstimateTokens() {
        Run run = run(ZeroEstimate.class);

        assertFailsExactly(run, "estimate-tokens");
        assertTrue(run.message("estimate-tokens").contains("estimateTokens must be > 0"), run.message("estimate-tokens"));
    }

    @Test
    void secondCloseThatThrowsFailsCloseIdempotent() {
        Run run = run(CloseTwiceThrows.class);

        assertFailsExactly(run, "close-idempotent");
        assertTrue(run.message("close-idempotent").contains("close number 2 threw IllegalStateException"),
                run.message("close-idempotent"));
    }

    @Test
    void providerNamedOtherThanItsFactoryFailsNames() {
        Run run = run(WrongName.class);

        assertFailsExactly(run, "names");
        assertTrue(run.message("names").contains("the provider's name() must be its factory's name 'reference', but it"
                + " was 'Reference'"), run.message("names"));
    }
}

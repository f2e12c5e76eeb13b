package dev.fairway.transport.websocket;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** The transport's counters, shown by {@code GET /status}. Thread-safe; counting never blocks. */
final class TransportStats {

    final AtomicLong connectionsOpen = new AtomicLong();
    final LongAdder connectionsTotal = new LongAdder();
    final AtomicLong sessionsOpen = new AtomicLong();
    final LongAdder sessionsTotal = new LongAdder();
    final LongAdder messagesIn = new LongAdder();
    final LongAdder messagesOut = new LongAdder();
    final LongAdder translations = new LongAdder();
    final LongAdder finalsAccepted = new LongAdder();
    final LongAdder partialsAccepted = new LongAdder();
    final LongAdder backpressure = new LongAdder();
    final LongAdder rateLimitedDropped = new LongAdder();
    final LongAdder closedSlowClients = new LongAdder();
    final LongAdder closedByServer = new LongAdder();
    /** Connections closed with 1008 because their own outbound byte budget was full. */
    final LongAdder closedOverBudget = new LongAdder();
    /** Connections closed with 1013 because the shared outbound byte budget was full. */
    final LongAdder closedOverSharedBudget = new LongAdder();
    /** Accepted finals still unanswered when the shutdown grace ran out, reported {@code failed} (shutdown). */
    final LongAdder finalsFailedAtShutdown = new LongAdder();
    final LongAdder refusedUnauthorized = new LongAdder();
    final LongAdder refusedShuttingDown = new LongAdder();
    final LongAdder refusedOrigin = new LongAdder();
    final LongAdder refusedOverloaded = new LongAdder();
    /** Upgrades refused by the application's admission control, by its reason (a handful of fixed tokens). */
    private final ConcurrentHashMap<String, LongAdder> refusedByAdmission = new ConcurrentHashMap<>();
    final LongAdder misrouted = new LongAdder();
    /** Durable sessions open in the scheduler without a connection, waiting for a resume. */
    final AtomicLong sessionsDetached = new AtomicLong();
    /** Resumes honoured (same node or through the store). */
    final LongAdder resumed = new LongAdder();
    /** Resumes honoured through the store: the session was not open on this node. */
    final LongAdder resumedFromStore = new LongAdder();
    /** Detached sessions closed because their resume window passed. */
    final LongAdder sessionsExpired = new LongAdder();
    final LongAdder resumeRefusedUnknown = new LongAdder();
    final LongAdder resumeRefusedEpoch = new LongAdder();
    private final AtomicLongArray errors = new AtomicLongArray(ErrorCode.values().length);

    void refusedByAdmission(String reason) {
        refusedByAdmission.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Upgrades refused by admission control, by reason. */
    Map<String, Long> refusedByAdmission() {
        Map<String, Long> counts = new TreeMap<>();
        refusedByAdmission.forEach((reason, n) -> counts.put(reason, n.sum()));
        return counts;
    }

    void error(ErrorCode code) {
        errors.incrementAndGet(code.ordinal());
    }

    long errors(ErrorCode code) {
        return errors.get(code.ordinal());
    }

    /**
     * The counters as a JSON-ready document.
     *
     * @param state the transport's life-cycle state
     * @param budget the shared outbound byte budget
     * @return nested maps of numbers
     */
    Map<String, Object> snapshot(String state, OutboundBudget budget) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("state", state);
        doc.put("connectionsOpen", connectionsOpen.get());
        doc.put("connectionsTotal", connectionsTotal.sum());
        doc.put("sessionsOpen", sessionsOpen.get());
        doc.put("sessionsTotal", sessionsTotal.sum());
        doc.put("messagesIn", messagesIn.sum());
        doc.put("messagesOut", messagesOut.sum());
        doc.put("translationsSent", translations.sum());
        doc.put("partialsAccepted", partialsAccepted.sum());
        doc.put("finalsAccepted", finalsAccepted.sum());
        doc.put("backpressure", backpressure.sum());
        doc.put("rateLimitedDropped", rateLimitedDropped.sum());
        doc.put("closedSlowClients", closedSlowClients.sum());
        doc.put("closedByServer", closedByServer.sum());
        doc.put("closedOverBudget", closedOverBudget.sum());
        doc.put("closedOverSharedBudget", closedOverSharedBudget.sum());
        doc.put("outboundBytes", budget.used());
        doc.put("outboundMaxTotalBytes", budget.limit());
        doc.put("finalsFailedAtShutdown", finalsFailedAtShutdown.sum());
        Map<String, Object> refused = new LinkedHashMap<>();
        refused.put("unauthorized", refusedUnauthorized.sum());
        refused.put("shuttingDown", refusedShuttingDown.sum());
        refused.put("origin", refusedOrigin.sum());
        refused.put("overloaded", refusedOverloaded.sum());
        refused.putAll(refusedByAdmission());
        doc.put("upgradesRefused", refused);
        Map<String, Object> byCode = new LinkedHashMap<>();
        for (ErrorCode code : ErrorCode.values()) {
            long n = errors.get(code.ordinal());
            if (n > 0) {
                byCode.put(code.wire(), n);
            }
        }
        doc.put("errors", byCode);
        doc.put("sessionsDetached", sessionsDetached.get());
        doc.put("sessionsResumed", resumed.sum());
        doc.put("sessionsResumedFromStore", resumedFromStore.sum());
        doc.put("sessionsExpired", sessionsExpired.sum());
        Map<String, Object> refusedResumes = new LinkedHashMap<>();
        refusedResumes.put("unknown_or_expired", resumeRefusedUnknown.sum());
        refusedResumes.put("epoch_changed", resumeRefusedEpoch.sum());
        doc.put("resumesRefused", refusedResumes);
        if (misrouted.sum() > 0) {
            doc.put("misroutedDropped", misrouted.sum());
        }
        return doc;
    }
}

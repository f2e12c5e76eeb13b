package dev.fairway.api.session;

import dev.fairway.api.SessionId;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where durable sessions keep their journal. Thread-safe; the writes of one session come in its order
 * (one thread at a time per session), those of different sessions concurrently.
 *
 * <p>Guarantees a store gives: an {@link #accepted} final whose stage completed normally is in every later
 * {@link #read} (until {@link #trim}med, {@link #end}ed or {@link #prune}d), across a restart of the process
 * for a persistent store and from any node for a shared one; the same for an {@link #outcome}; a read returns
 * outcomes in sequence order; a final with an outcome is not among the unanswered. A store that lost data
 * (a new database file, a flushed Redis) has a new {@link #epoch()}, so resumes minted before are refused
 * rather than answered from a journal with holes.
 *
 * <p>A session holds at most one outcome per sequence number: a later outcome of the same number (the final
 * translation after a partial one) replaces the earlier. A write ({@link #accepted}, {@link #outcome}) for a
 * session the store does not hold (never created, ended or pruned) completes exceptionally and writes nothing.
 */
public interface SessionStore extends AutoCloseable {

    /**
     * The store's epoch: the same as long as the store keeps its data, a new one when it starts empty.
     *
     * @return an opaque non-empty string
     */
    String epoch();

    /**
     * Records a new session.
     *
     * @param session its record
     * @throws IllegalStateException when a session with this id exists
     */
    void create(StoredSession session);

    /**
     * A session's record.
     *
     * @param id the session
     * @return the record, unless the session is unknown, ended or pruned
     */
    Optional<StoredSession> find(SessionId id);

    /**
     * Journals an accepted final. The client may hear it was accepted once the stage completes normally
     * (at once when sync, at the next group commit otherwise); a stage that completes exceptionally means
     * the final is not durable and must be refused.
     *
     * @param id the session
     * @param accepted the final
     * @return completes when the final is durable
     */
    CompletionStage<Void> accepted(SessionId id, AcceptedFinal accepted);

    /**
     * Journals an outcome before it is delivered, replacing an earlier outcome of the same sequence number;
     * a final's outcome settles its accepted final.
     *
     * @param id the session
     * @param outcome the outcome
     * @return completes when the outcome is durable
     */
    CompletionStage<Void> outcome(SessionId id, JournaledOutcome outcome);

    /**
     * What a resume needs.
     *
     * @param id the session
     * @param afterSeq the last sequence number the client received: only later outcomes are returned
     * @return the journal, unless the session is unknown, ended or pruned
     */
    Optional<Journal> read(SessionId id, long afterSeq);

    /**
     * Notes that a connection carries the session now (resume windows count from the last time).
     *
     * @param id the session
     * @param at now
     */
    void touch(SessionId id, Instant at);

    /**
     * Forgets the outcomes the client confirmed it received, up to and including a sequence number; the
     * accepted finals they settle go with them. Keeps a long session's journal bounded.
     *
     * @param id the session
     * @param throughSeq the highest sequence number received
     */
    void trim(SessionId id, long throughSeq);

    /**
     * Ends a session (the client said {@code end}, or its resume window passed): its journal is removed.
     *
     * @param id the session
     */
    void end(SessionId id);

    /**
     * Removes every session last seen before a time, with its journal.
     *
     * @param lastSeenBefore the cut-off
     * @return how many sessions were removed
     */
    int prune(Instant lastSeenBefore);

    /**
     * The store's lines for {@code /status}: nested maps, lists, strings, numbers and booleans.
     *
     * @return at least {@code store} (the factory's name) and {@code sessions} (how many it holds)
     */
    Map<String, Object> status();

    /**
     * Whether the store can journal now, for the node's readiness: a store whose server is unreachable says
     * why. Called for every readiness probe: answer from the store's own state (starting at most a background
     * probe of its own when that state is stale), never with a blocking call. The default: always ready.
     *
     * @return empty when ready, or why not: a sentence without secrets
     */
    default Optional<String> notReadyReason() {
        return Optional.empty();
    }

    /** Flushes what is pending and releases the store's resources. */
    @Override
    void close();
}

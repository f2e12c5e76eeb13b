package dev.fairway.core.queue;

/**
 * The calls in flight by their {@link DedupKey}, for deduplication: an open-addressing table with
 * linear probing and backward-shift deletion, kept at most half full. Calls in flight are few
 * (at most {@code maxConcurrent}), so a lookup that finds nothing usually reads one empty slot, and
 * nothing is allocated per call; a {@link java.util.HashMap} would allocate a node per put and read
 * it on every probe. Not thread-safe: guarded by the core's lock.
 */
final class CallTable {

    private Call[] slots;
    private int mask;
    private int size;

    /** @param expected how many calls are expected at once (the table grows beyond it when need be) */
    CallTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(8, Math.min(1 << 20, expected)) * 4 - 1) << 1;
        slots = new Call[capacity];
        mask = capacity - 1;
    }

    int size() {
        return size;
    }

    /** The call in flight for {@code key}, or null. */
    Call get(DedupKey key) {
        Call[] s = slots;
        for (int i = index(key.hashCode()); ; i = (i + 1) & mask) {
            Call c = s[i];
            if (c == null || c.key.equals(key)) {
                return c;
            }
        }
    }

    /** Makes {@code call} the one for its key, replacing any other. */
    void put(Call call) {
        DedupKey key = call.key;
        for (int i = index(key.hashCode()); ; i = (i + 1) & mask) {
            Call c = slots[i];
            if (c == null) {
                slots[i] = call;
                if (++size * 2 > slots.length) {
                    resize();
                }
                return;
            }
            if (c.key.equals(key)) {
                slots[i] = call;
                return;
            }
        }
    }

    /** Removes {@code call} if it is the one for its key. */
    void remove(Call call) {
        DedupKey key = call.key;
        int i = index(key.hashCode());
        for (; ; i = (i + 1) & mask) {
            Call c = slots[i];
            if (c == null) {
                return;
            }
            if (c == call) {
                break;
            }
        }
        size--;
        // Backward shift: move later entries of the probe run into the hole when their home allows.
        for (int j = (i + 1) & mask; ; j = (j + 1) & mask) {
            Call c = slots[j];
            if (c == null) {
                break;
            }
            int home = index(c.key.hashCode());
            boolean movable = i <= j ? home <= i || home > j : home <= i && home > j;
            if (movable) {
                slots[i] = c;
                i = j;
            }
        }
        slots[i] = null;
    }

    private int index(int hash) {
        return (hash * 0x9E3779B9) >>> 7 & mask;
    }

    private void resize() {
        Call[] old = slots;
        slots = new Call[old.length * 2];
        mask = slots.length - 1;
        size = 0;
        for (Call c : old) {
            if (c != null) {
                put(c);
            }
        }
    }
}

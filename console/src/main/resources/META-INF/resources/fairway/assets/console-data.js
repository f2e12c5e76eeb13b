// What the operator console shows, computed from one status document (GET /status, or an event of
// /console/events): pure functions, no DOM.

/** Jain's fairness index of non-negative values: 1 when all are equal, 1/n when one has everything. */
export function jain(values) {
  const xs = values.filter(v => Number.isFinite(v) && v >= 0);
  if (xs.length === 0) return null;
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  if (squares === 0) return 1;
  return (sum * sum) / (xs.length * squares);
}

/**
 * One row per session: the scheduler's line (queue.sessionStats) joined with the limiter's
 * (limiter.sessionStats), and the share it used of its entitlement in the last minute: requests over its fair
 * share of requests per minute, or tokens over its share of tokens, whichever is larger (the one that binds).
 */
export function sessions(doc) {
  const queue = doc?.queue?.sessionStats ?? {};
  const limiter = doc?.limiter?.sessionStats ?? {};
  const ids = new Set([...Object.keys(queue), ...Object.keys(limiter)]);
  const rows = [];
  for (const id of ids) {
    const q = queue[id] ?? {};
    const l = limiter[id] ?? {};
    const rpm = l.requestsLastMinute ?? 0;
    const tpm = l.tokensLastMinute ?? 0;
    const shareR = l.fairShareRPM > 0 ? rpm / l.fairShareRPM : null;
    const shareT = l.fairShareTPM > 0 ? tpm / l.fairShareTPM : null;
    const shares = [shareR, shareT].filter(s => s !== null);
    rows.push({
      id, label: q.label ?? '', weight: q.weight ?? 1,
      requests: q.requestCount ?? 0, delivered: q.delivered ?? 0, failed: q.failed ?? 0,
      queuedFinals: q.queuedFinals ?? 0, pendingPartials: q.pendingPartials ?? 0, inFlight: q.inFlight ?? 0,
      closing: !!q.closing,
      partialP95Ms: q.partialP95Ms ?? null, finalP95Ms: q.finalP95Ms ?? null,
      requestsLastMinute: rpm, tokensLastMinute: tpm,
      fairShareRPM: l.fairShareRPM ?? null, fairShareTPM: l.fairShareTPM ?? null,
      share: shares.length ? Math.max(...shares) : null,
    });
  }
  rows.sort((a, b) => (b.requestsLastMinute - a.requestsLastMinute) || a.id.localeCompare(b.id));
  return rows;
}

/** Jain's index over the shares used by the sessions that used the limiter in the last minute. */
export function fairness(rows) {
  return jain(rows.filter(r => r.share !== null && r.requestsLastMinute > 0).map(r => r.share));
}

/** The headline figures. */
export function summary(doc) {
  const q = doc?.queue ?? {};
  const l = doc?.limiter ?? {};
  const c = doc?.concurrency ?? {};
  const ws = doc?.websocket ?? {};
  return {
    version: doc?.version ?? '', provider: doc?.provider ?? '', state: ws.state ?? '', address: ws.address ?? '',
    activeSessions: q.activeSessions ?? l.activeSessions ?? 0,
    connections: ws.connectionsOpen ?? 0,
    queueLength: q.queueLength ?? 0,
    inFlight: c.inFlight ?? q.activeRequests ?? 0,
    concurrencyLimit: c.limit ?? q.concurrencyLimit ?? 0,
    maxConcurrent: q.maxConcurrent ?? 0,
    rateLimited429: q.rateLimitedResponses ?? 0,
    limiterPaused: l.rateLimited === true,
    requestsLastMinute: l.requestsLastMinute ?? 0, requestsPerMinuteLimit: l.requestsPerMinuteLimit ?? 0,
    tokensLastMinute: l.tokensLastMinute ?? 0, tokensPerMinuteLimit: l.tokensPerMinuteLimit ?? 0,
    delivered: q.delivered ?? 0, failed: q.failed ?? 0,
    queueWaitP95Ms: q.queueWait?.p95Ms ?? null,
    saturated: !!doc?.overload?.saturated,
  };
}

/** The limiter's own lines (store, degraded, node, known nodes, lease...): whatever the store reports. */
export function limiterLines(doc) {
  const skip = new Set(['requestsLastMinute', 'requestsPerMinuteLimit', 'tokensLastMinute', 'tokensPerMinuteLimit',
    'sessionStats']);
  return Object.entries(doc?.limiter ?? {}).filter(([k]) => !skip.has(k));
}

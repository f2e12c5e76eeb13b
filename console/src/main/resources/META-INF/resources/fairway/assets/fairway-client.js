// Fairway's reference client: speaks the session protocol of transport-websocket (versions 1 and 2) from a
// browser. Plain ES module, no dependencies. The API is in transport-websocket/README.md ("Reference client").
//
//   import { FairwayClient } from '/assets/fairway-client.js';
//   const client = new FairwayClient({ source: 'en', target: 'fr', token });
//   client.on('translation', t => console.log(t.kind, t.seq, t.text, t.latency.totalMs));
//   await client.connect();
//   client.partial('Good mor'); client.partial('Good morning every'); client.final('Good morning everyone.');
//
// What it does for the application:
// - seq numbers: assigned when a segment is sent, increasing across partials and finals and across resumes;
// - partials: coalesced (the newest wins; at most one per partialIntervalMs), dropped when a final follows;
// - finals: at most maxUnansweredFinals sent and unanswered (so the server's backlog is not overrun); one
//   refused (backpressure, rate_limited, unavailable, out_of_order) is sent again, ahead of later ones, after a
//   back-off that doubles from 250 ms to 4 s;
// - delivery: translations and failures reach the application in seq order, each once (a seq already seen,
//   as after a crash-replay, is dropped);
// - version 2: starts with v 2 and falls back to v 1 when the server says unsupported_version; with a resume
//   token (the server keeps sessions), a dropped connection is resumed (token in memory only, lastSeq), finals
//   the server did not accept are sent again, and answered finals are acknowledged (ack) once a second;
// - without a resume token, a dropped connection starts a new session and sends the unanswered finals again
//   (at least once: a final may then be translated twice);
// - a refused handshake (browsers do not expose its HTTP status) is diagnosed with a POST to the session path
//   and GET /ready: unauthorized (401), forbidden (403: origin), overloaded or shutting_down (503).

const PROTOCOL = 'fairway.v1';

/** base64url without padding of the UTF-8 bytes, the token's form in the subprotocol `token.<...>`. */
export function tokenSubprotocol(token) {
  const bytes = new TextEncoder().encode(token);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return 'token.' + btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The session endpoint of the page's own server. */
export function defaultUrl(path = '/v1/session') {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

/** Client states, in the order a session usually goes through them. */
export const State = Object.freeze({
  IDLE: 'idle', CONNECTING: 'connecting', OPEN: 'open', RECONNECTING: 'reconnecting',
  DRAINING: 'draining', REFUSED: 'refused', CLOSED: 'closed',
});

export class FairwayClient {
  /**
   * @param {object} options
   * @param {string} options.source BCP 47 tag of what is spoken
   * @param {string} options.target BCP 47 tag of the translation
   * @param {string} [options.url] ws(s)://host:port/v1/session; default: this page's server
   * @param {string} [options.token] API token, sent as the subprotocol token.<base64url>, never in the URL
   * @param {string} [options.label] shown in the operator console (at most 64 characters)
   * @param {number} [options.weight] fair-share weight 1..1000
   * @param {1|2|'auto'} [options.version] protocol version; 'auto' (default): 2, else 1
   * @param {number} [options.maxUnansweredFinals] finals sent and not yet answered, at most (default 8)
   * @param {number} [options.partialIntervalMs] at most one partial per this long (default 150)
   * @param {boolean} [options.reconnect] reconnect after a drop (default true)
   * @param {number} [options.maxReconnectAttempts] in a row, before giving up (default 30)
   */
  constructor(options) {
    if (!options || !options.source || !options.target) throw new TypeError('source and target are required');
    this.options = {
      url: defaultUrl(), version: 'auto', maxUnansweredFinals: 8, partialIntervalMs: 150, reconnect: true,
      maxReconnectAttempts: 30, ...options,
    };
    this.state = State.IDLE;
    this.version = null;           // the version the server answered ready with
    this.session = null;           // session id
    this.resumeToken = null;       // version 2 with a store: kept in memory only
    this.resumeWindowMs = 0;
    this.lastSentSeq = 0;
    this.lastOutcomeSeq = -1;      // highest seq of a translation/failed received
    this.lastAckedSeq = -1;
    this.window = this.options.maxUnansweredFinals;
    this.outbox = [];              // finals waiting to be sent, in submission order
    this.unanswered = new Map();   // seq -> final sent and not yet answered
    this.partialsSent = new Map(); // seq -> {text, sentAt} of recent partials
    this.pendingPartial = null;    // newest partial not yet sent
    this.lastPartialAt = 0;
    this.nextId = 1;
    this.listeners = new Map();
    this.socket = null;
    this.opened = false;           // the current socket got past the handshake
    this.attempts = 0;
    this.backoffMs = 250;
    this.timers = { partial: null, retry: null, reconnect: null, ack: null, ping: null };
    this.readyWaiters = [];
  }

  /** Adds a listener: 'ready', 'translation', 'failed', 'accepted', 'error', 'state'. */
  on(event, listener) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(listener);
    return this;
  }

  off(event, listener) {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  emit(event, detail) {
    for (const listener of this.listeners.get(event) ?? []) {
      try { listener(detail); } catch (e) { console.error('fairway-client: a listener failed', e); }
    }
  }

  /** Opens the connection and the session; resolves with the ready message, rejects when refused. */
  connect() {
    if (this.state === State.CLOSED) return Promise.reject(new Error('the client was closed'));
    const ready = new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (this.state === State.IDLE) this.open();
    return ready;
  }

  /** Sends an interim transcript; a newer one supersedes it. Returns its local id. */
  partial(text) {
    if (!text || !text.trim()) return null;
    const id = this.nextId++;
    this.pendingPartial = { id, kind: 'partial', text };
    this.pump();
    return id;
  }

  /** Sends committed text: it is translated or reported failed, never lost. Returns its local id. */
  final(text) {
    if (!text || !text.trim()) return null;
    const id = this.nextId++;
    this.pendingPartial = null;                  // the final supersedes it
    this.outbox.push({ id, kind: 'final', text, accepted: false });
    this.pump();
    return id;
  }

  /** Finals submitted and not yet answered (queued here or at the server). */
  get unansweredFinals() {
    return this.outbox.length + this.unanswered.size;
  }

  /** Ends the session: the server answers the finals it accepted, then closes. */
  end() {
    this.userClosed = true;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.sendJson({ type: 'end' });
    } else {
      this.setState(State.CLOSED);
    }
  }

  /** Closes at once, without ending the session (a version 2 session stays resumable for its window). */
  close() {
    this.userClosed = true;
    this.clearTimers();
    if (this.socket) this.socket.close(1000, 'client closed');
    this.setState(State.CLOSED);
  }

  /** Drops the connection as a network failure would (for demonstrations and tests): the client resumes. */
  simulateDrop() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.close(4000, 'simulated drop');
  }

  // ---------------------------------------------------------------- connection

  setState(state, detail = {}) {
    if (this.state === state && !detail.force) return;
    this.state = state;
    this.emit('state', { state, ...detail });
  }

  open() {
    this.clearTimer('reconnect');
    this.setState(this.session ? State.RECONNECTING : State.CONNECTING);
    const protocols = [PROTOCOL];
    if (this.options.token) protocols.push(tokenSubprotocol(this.options.token));
    let socket;
    try {
      socket = new WebSocket(this.options.url, protocols);
    } catch (e) {
      this.refuse('bad_url', `cannot open ${this.options.url}: ${e.message}`);
      return;
    }
    this.socket = socket;
    this.opened = false;
    socket.onopen = () => {
      if (this.userClosed) { socket.close(1000, 'client closed'); return; }
      this.opened = true;
      this.attempts = 0;
      if (this.resumeToken) {
        this.sendJson({ type: 'resume', v: 2, session: this.session, token: this.resumeToken,
          lastSeq: this.lastOutcomeSeq });
      } else {
        // 'auto' starts with 2 and keeps whatever the server answered (1 after an unsupported_version).
        const v = this.options.version === 'auto' ? (this.version ?? 2) : this.options.version;
        this.sendStart(v);
      }
      this.startPings();
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.closed(socket, event);
    socket.onerror = () => { /* onclose follows with the details there are */ };
  }

  sendStart(v) {
    const start = { type: 'start', v, source: this.options.source, target: this.options.target };
    if (this.options.label) start.label = String(this.options.label).slice(0, 64);
    if (this.options.weight) start.weight = this.options.weight;
    this.startVersion = v;
    this.sendJson(start);
  }

  sendJson(message) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  async closed(socket, event) {
    if (socket !== this.socket) return;
    this.clearTimer('ping');
    this.clearTimer('partial');
    this.clearTimer('retry');
    this.live = false;
    if (this.userClosed || this.state === State.CLOSED || this.state === State.REFUSED) {
      this.setState(this.state === State.REFUSED ? State.REFUSED : State.CLOSED, { code: event.code });
      return;
    }
    if (!this.opened) {
      // The handshake failed; a browser does not say why. Ask the server.
      const why = await this.diagnose();
      if (why.code === 'unauthorized' || why.code === 'forbidden') {
        this.refuse(why.code, why.message);
        return;
      }
      this.emit('error', why);
    } else if (event.code === 1008 && this.resumeRefused) {
      // resume_refused: handled in receive(); start a new session below.
    } else {
      this.emit('error', { code: 'dropped', message: `the connection dropped (${event.code}${event.reason ? ': '
        + event.reason : ''})`, closeCode: event.code });
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (!this.options.reconnect || this.attempts >= this.options.maxReconnectAttempts) {
      this.setState(State.CLOSED, { reason: 'gave up reconnecting' });
      this.rejectWaiters(new Error('the connection could not be made'));
      return;
    }
    const delay = Math.min(10_000, 500 * 2 ** this.attempts) * (0.75 + Math.random() / 2);
    this.attempts++;
    this.setState(State.RECONNECTING, { inMs: Math.round(delay), attempt: this.attempts, force: true });
    this.timers.reconnect = setTimeout(() => this.open(), delay);
  }

  refuse(code, message) {
    this.clearTimers();
    this.setState(State.REFUSED, { code, message });
    this.emit('error', { code, message });
    this.rejectWaiters(Object.assign(new Error(message), { code }));
  }

  rejectWaiters(error) {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.reject(error);
  }

  /** Why a handshake failed: a POST to the session path runs the server's token and origin checks. */
  async diagnose() {
    const http = this.options.url.replace(/^ws/, 'http');
    const headers = this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {};
    try {
      const probe = await fetch(http, { method: 'POST', headers, cache: 'no-store' });
      const body = await probe.json().catch(() => ({}));
      if (probe.status === 401) return { code: 'unauthorized', message: 'the server refused the token (401): '
        + (body.message ?? 'a valid API token is required') };
      if (probe.status === 403) return { code: 'forbidden', message: 'the server refused this page\'s origin (403): '
        + (body.message ?? 'see allowed-origins') };
      if (probe.status === 503) return { code: body.code ?? 'overloaded', message: body.message ?? 'the server is busy' };
      const ready = await fetch(new URL('/ready', http), { cache: 'no-store' });
      if (ready.status === 503) {
        const doc = await ready.json().catch(() => ({}));
        const code = doc.reason === 'shutting-down' ? 'shutting_down' : 'overloaded';
        return { code, message: `the server takes no new sessions now: ${doc.message ?? doc.reason ?? 'not ready'}` };
      }
      return { code: 'handshake_failed', message: 'the WebSocket handshake failed; retrying' };
    } catch (e) {
      return { code: 'unreachable', message: `the server cannot be reached (${e.message}); retrying` };
    }
  }

  startPings() {
    this.clearTimer('ping');
    // A ping every 20 s keeps proxies from closing an idle connection, and notices one that died silently.
    this.timers.ping = setInterval(() => {
      if (this.awaitingPong) { this.socket?.close(4001, 'no pong'); return; }
      this.awaitingPong = this.sendJson({ type: 'ping', id: Date.now() });
    }, 20_000);
  }

  // ---------------------------------------------------------------- receiving

  receive(data) {
    let m;
    try { m = JSON.parse(data); } catch { return; }
    switch (m.type) {
      case 'ready': return this.onReady(m);
      case 'resumed': return this.onResumed(m);
      case 'translation': return this.onOutcome(m, 'translation');
      case 'accepted': return this.onAccepted(m);
      case 'backpressure': return this.onRefused(m.seq, 'backpressure', m.message);
      case 'pong': this.awaitingPong = false; return;
      case 'closing':
        this.setState(State.DRAINING, { message: m.message, graceMs: m.graceMs });
        return;
      case 'error': return this.onError(m);
      default: return;
    }
  }

  onReady(m) {
    this.version = m.v;
    this.session = m.session;
    this.resumeToken = m.resumeToken ?? null;
    this.resumeWindowMs = m.resumeWindowMs ?? 0;
    this.resumeRefused = false;
    this.live = true;
    this.backoffMs = 250;
    // A new session (first, or after a drop without resume): every unanswered final goes again, in order.
    this.requeue([...this.unanswered.values()]);
    this.setState(State.OPEN, { session: m.session, version: m.v, resumable: !!this.resumeToken, force: true });
    this.emit('ready', m);
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w.resolve(m);
    this.pump();
  }

  onResumed(m) {
    this.live = true;
    this.lastSentSeq = Math.max(this.lastSentSeq, m.lastSeq);
    // Finals above what the server accepted and never acknowledged with `accepted` were not journaled: again.
    const again = [...this.unanswered.values()].filter(f => f.seq > m.lastSeq && !f.accepted);
    this.requeue(again);
    this.setState(State.OPEN, { session: m.session, version: 2, resumable: true, resumed: true,
      replayed: m.replayed, force: true });
    this.emit('ready', m);
    this.pump();
  }

  onAccepted(m) {
    const f = this.unanswered.get(m.seq);
    if (f) {
      f.accepted = true;
      this.emit('accepted', { seq: m.seq, id: f.id });
    }
  }

  onOutcome(m, type) {
    if (m.seq <= this.lastOutcomeSeq) return;     // seen already (a replay after a crash)
    this.lastOutcomeSeq = m.seq;
    const kind = m.kind ?? 'final';
    const f = this.unanswered.get(m.seq);
    const sent = f ?? this.partialsSent.get(m.seq);
    if (f) {
      this.unanswered.delete(m.seq);
      if (this.window < this.options.maxUnansweredFinals) this.window++;
    }
    for (const seq of this.partialsSent.keys()) if (seq <= m.seq) this.partialsSent.delete(seq);
    const clientMs = sent?.sentAt ? Math.round(performance.now() - sent.sentAt) : null;
    if (type === 'translation') {
      this.emit('translation', { ...m, kind, id: sent?.id ?? null, clientMs });
    } else {
      this.emit('failed', { seq: m.seq, kind, reason: m.reason, message: m.message, id: sent?.id ?? null,
        text: sent?.text ?? null });
    }
    if (kind === 'final' && this.resumeToken) this.scheduleAck();
    this.pump();
  }

  onError(m) {
    switch (m.code) {
      case 'failed': return this.onOutcome(m, 'failed');
      case 'rate_limited':
      case 'unavailable':
      case 'out_of_order':
        if (m.seq !== undefined && m.seq !== null) return this.onRefused(m.seq, m.code, m.message);
        break;
      case 'unsupported_version':
        if (this.startVersion === 2 && this.options.version === 'auto') { this.sendStart(1); return; }
        break;
      case 'resume_refused':
        // The session is gone (expired, or the store lost it): a new one, with the unanswered finals again.
        this.resumeRefused = true;
        this.resumeToken = null;
        this.session = null;
        this.emit('error', { code: m.code, reason: m.reason, message: `${m.message} (a new session is started; `
          + 'finals without an answer are sent again)' });
        return;
      default:
        break;
    }
    this.emit('error', m);
  }

  /** A segment the server did not accept: a final goes again ahead of later ones; a partial is superseded. */
  onRefused(seq, code, message) {
    const f = this.unanswered.get(seq);
    if (f) {
      this.unanswered.delete(seq);
      this.window = Math.max(1, Math.min(this.window, this.unanswered.size));
      this.requeue([f]);
      this.emit('error', { code, seq, message, willRetry: true });
      this.clearTimer('retry');
      const delay = this.backoffMs;
      this.backoffMs = Math.min(4000, this.backoffMs * 2);
      this.holdUntil = performance.now() + delay;
      this.timers.retry = setTimeout(() => { this.holdUntil = 0; this.pump(); }, delay);
      return;
    }
    this.partialsSent.delete(seq);
    if (code !== 'out_of_order') this.emit('error', { code, seq, message, willRetry: false });
  }

  /** Puts finals back at the head of the outbox, keeping submission order. */
  requeue(finals) {
    if (finals.length === 0) return;
    for (const f of finals) {
      this.unanswered.delete(f.seq);
      f.seq = undefined;
      f.accepted = false;
    }
    this.outbox = [...finals, ...this.outbox].sort((a, b) => a.id - b.id);
  }

  scheduleAck() {
    if (this.timers.ack) return;
    this.timers.ack = setTimeout(() => {
      this.timers.ack = null;
      if (this.lastOutcomeSeq > this.lastAckedSeq && this.sendJson({ type: 'ack', seq: this.lastOutcomeSeq })) {
        this.lastAckedSeq = this.lastOutcomeSeq;
      }
    }, 1000);
  }

  // ---------------------------------------------------------------- sending

  pump() {
    if (!this.live || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.holdUntil && performance.now() < this.holdUntil) return;
    while (this.outbox.length > 0 && this.unanswered.size < this.window) {
      const f = this.outbox.shift();
      f.seq = ++this.lastSentSeq;
      f.sentAt = performance.now();
      this.unanswered.set(f.seq, f);
      this.sendJson({ type: 'final', seq: f.seq, text: f.text });
    }
    if (this.outbox.length > 0 || !this.pendingPartial) return;
    const wait = this.lastPartialAt + this.options.partialIntervalMs - performance.now();
    if (wait > 0) {
      if (!this.timers.partial) {
        this.timers.partial = setTimeout(() => { this.timers.partial = null; this.pump(); }, wait);
      }
      return;
    }
    const p = this.pendingPartial;
    this.pendingPartial = null;
    const seq = ++this.lastSentSeq;
    this.lastPartialAt = performance.now();
    this.partialsSent.set(seq, { id: p.id, text: p.text, sentAt: this.lastPartialAt });
    if (this.partialsSent.size > 64) this.partialsSent.delete(this.partialsSent.keys().next().value);
    this.sendJson({ type: 'partial', seq, text: p.text });
  }

  clearTimer(name) {
    if (this.timers[name]) {
      clearTimeout(this.timers[name]);
      clearInterval(this.timers[name]);
      this.timers[name] = null;
    }
  }

  clearTimers() {
    for (const name of Object.keys(this.timers)) this.clearTimer(name);
  }
}

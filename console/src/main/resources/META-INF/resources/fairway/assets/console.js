// The operator console: the status document pushed by the server once a second (GET /console/events,
// server-sent events read with fetch so that the token goes in a header), drawn as tiles, uPlot charts of the
// last ten minutes and a table of sessions.
import uPlot from '/assets/vendor/uPlot.esm.js';
import { readEvents, HttpError } from '/assets/sse.js';
import { storedToken, tokenForm } from '/assets/token.js';
import { sessions, fairness, summary, limiterLines } from '/assets/console-data.js';

const $ = (id) => document.getElementById(id);
const POINTS = 600;                 // ten minutes at one event a second
let token = storedToken();
let abort = null;
let retryMs = 1000;

// ---------------------------------------------------------------- charts

const history = { t: [], rpm: [], rpmLimit: [], tpm: [], tpmLimit: [], queue: [], inFlight: [], limit: [] };

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

function chart(id, series) {
  const el = $(id);
  const opts = {
    width: Math.max(280, el.clientWidth), height: 180,
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{ stroke: '#8a94a6', grid: { stroke: '#2a3140' } },
      { stroke: '#8a94a6', grid: { stroke: '#2a3140' }, size: 52, values: (u, vals) => vals.map(v => compact.format(v)) }],
    legend: { live: false },
    series: [{}, ...series.map(s => ({ points: { show: false }, ...s }))],
  };
  return new uPlot(opts, [[], ...series.map(() => [])], el);
}

const charts = {
  requests: chart('c-requests', [
    { label: 'used', stroke: '#4fb3ff', width: 2, fill: 'rgba(79,179,255,0.12)' },
    { label: 'limit', stroke: '#ff7a59', width: 1.5, dash: [6, 4] }]),
  tokens: chart('c-tokens', [
    { label: 'used', stroke: '#7bd88f', width: 2, fill: 'rgba(123,216,143,0.12)' },
    { label: 'limit', stroke: '#ff7a59', width: 1.5, dash: [6, 4] }]),
  queue: chart('c-queue', [
    { label: 'queue', stroke: '#f5c04a', width: 2 },
    { label: 'in flight', stroke: '#4fb3ff', width: 2 },
    { label: 'concurrency limit', stroke: '#ff7a59', width: 1.5, dash: [6, 4] }]),
};

function record(s) {
  const push = (k, v) => { history[k].push(v); if (history[k].length > POINTS) history[k].shift(); };
  push('t', Date.now() / 1000);
  push('rpm', s.requestsLastMinute);
  push('rpmLimit', s.requestsPerMinuteLimit || null);
  push('tpm', s.tokensLastMinute);
  push('tpmLimit', s.tokensPerMinuteLimit || null);
  push('queue', s.queueLength);
  push('inFlight', s.inFlight);
  push('limit', s.concurrencyLimit);
  charts.requests.setData([history.t, history.rpm, history.rpmLimit]);
  charts.tokens.setData([history.t, history.tpm, history.tpmLimit]);
  charts.queue.setData([history.t, history.queue, history.inFlight, history.limit]);
}

function resize() {
  for (const [id, c] of [['c-requests', charts.requests], ['c-tokens', charts.tokens], ['c-queue', charts.queue]]) {
    c.setSize({ width: Math.max(280, $(id).clientWidth), height: 180 });
  }
}
new ResizeObserver(resize).observe(document.querySelector('.charts'));

// ---------------------------------------------------------------- tiles, table, lists

const fmt = new Intl.NumberFormat();
const n = (v) => (v === null || v === undefined ? '–' : fmt.format(v));
const ms = (v) => (v === null || v === undefined ? '–' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

function text(id, value) {
  $(id).textContent = value;
}

let events = 0;

function render(doc) {
  document.body.dataset.events = String(++events);
  const s = summary(doc);
  const rows = sessions(doc);
  const jain = fairness(rows);
  text('node', `${s.provider ? `provider ${s.provider} · ` : ''}${s.address} · ${s.state}${s.version ? ` · ${s.version}` : ''}`);
  text('t-sessions', n(s.activeSessions));
  text('t-connections', `${n(s.connections)} connections`);
  text('t-rpm', n(s.requestsLastMinute));
  text('t-rpm-limit', s.requestsPerMinuteLimit ? `of ${n(s.requestsPerMinuteLimit)}` : 'no limit');
  text('t-tpm', n(s.tokensLastMinute));
  text('t-tpm-limit', s.tokensPerMinuteLimit ? `of ${n(s.tokensPerMinuteLimit)}` : 'no limit');
  text('t-queue', n(s.queueLength));
  text('t-queue-wait', `wait p95 ${ms(s.queueWaitP95Ms)}`);
  text('t-inflight', n(s.inFlight));
  text('t-concurrency', `limit ${n(s.concurrencyLimit)} (max ${n(s.maxConcurrent)})`);
  text('t-429', n(s.rateLimited429));
  text('t-refusals', s.limiterPaused ? 'limiter paused after a 429' : 'provider answers');
  text('t-jain', jain === null ? '–' : jain.toFixed(3));
  const active = rows.filter(r => r.share !== null && r.requestsLastMinute > 0).length;
  text('t-jain-n', `over ${active} active session${active === 1 ? '' : 's'}`);
  text('t-delivered', n(s.delivered));
  text('t-failed', `${n(s.failed)} failed${s.saturated ? ' · saturated' : ''}`);
  record(s);
  renderSessions(rows);
  renderList('limiter', limiterLines(doc));
  renderList('overload', Object.entries(doc.overload ?? {}));
  const ws = doc.websocket ?? {};
  renderList('transport', ['connectionsOpen', 'sessionsOpen', 'sessionsDetached', 'messagesIn', 'messagesOut',
    'backpressure', 'rateLimitedDropped', 'closedSlowClients', 'upgradesRefused', 'eventStreamsOpen']
    .filter(k => k in ws).map(k => [k, ws[k]]));
}

function renderSessions(rows) {
  const body = document.querySelector('#sessions tbody');
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = body.insertRow();
    tr.className = 'empty';
    const td = tr.insertCell();
    td.colSpan = 9;
    td.textContent = 'No session yet.';
    return;
  }
  for (const r of rows) {
    const tr = body.insertRow();
    tr.dataset.session = r.id;
    const id = tr.insertCell();
    id.innerHTML = '<span class="id"></span><small></small>';
    id.querySelector('.id').textContent = r.id;
    id.querySelector('small').textContent = r.label + (r.closing ? ' (closing)' : '');
    tr.insertCell().textContent = r.weight;
    const share = tr.insertCell();
    share.className = 'share';
    const pct = r.share === null ? null : Math.round(r.share * 100);
    share.innerHTML = '<span class="meter"><span></span></span><span class="pct"></span>';
    share.querySelector('.meter span').style.width = `${Math.min(100, pct ?? 0)}%`;
    share.querySelector('.meter').classList.toggle('over', (pct ?? 0) > 100);
    share.querySelector('.pct').textContent = pct === null ? '–' : `${pct}%`;
    share.title = `requests ${r.requestsLastMinute} of ${r.fairShareRPM ?? '–'} · tokens ${r.tokensLastMinute} of ${r.fairShareTPM ?? '–'}`;
    const cell = (v, cls = 'n') => { const c = tr.insertCell(); c.className = cls; c.textContent = v; return c; };
    cell(`${n(r.requestsLastMinute)} / ${n(r.requests)}`).dataset.requests = r.requests;
    cell(n(r.tokensLastMinute));
    cell(ms(r.partialP95Ms));
    cell(ms(r.finalP95Ms));
    cell(n(r.queuedFinals + r.pendingPartials));
    cell(n(r.inFlight));
  }
}

function renderList(id, entries) {
  const dl = $(id);
  dl.replaceChildren();
  for (const [k, v] of entries) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = typeof v === 'object' && v !== null ? flat(v) : String(v);
    dl.append(dt, dd);
  }
}

function flat(o) {
  return Object.entries(o).map(([k, v]) => `${k} ${typeof v === 'object' && v !== null ? `{${flat(v)}}` : v}`)
    .join(', ');
}

// ---------------------------------------------------------------- the feed

function feed(state, message) {
  const el = $('feed');
  el.dataset.state = state;
  el.textContent = message;
}

async function connect() {
  abort?.abort();
  const controller = new AbortController();
  abort = controller;
  feed('connecting', 'Connecting to the live feed…');
  try {
    await readEvents('/console/events', {
      token, signal: controller.signal,
      onOpen: () => { retryMs = 1000; feed('live', 'Live: the server pushes its status once a second.'); },
      onEvent: (name, data) => {
        if (name === 'status') render(JSON.parse(data));
        else if (name === 'end') feed('ended', 'The server is shutting down: the feed ended.');
      },
    });
    if (controller.signal.aborted) return;
    feed('reconnecting', 'The feed ended: reconnecting…');
  } catch (e) {
    if (controller.signal.aborted) return;
    if (e instanceof HttpError && e.status === 401) {
      $('access').open = true;
      feed('refused', `The server refused ${token ? 'this token' : 'to stream without a token'} (401): enter the API token under “Access token”.`);
      return;
    }
    if (e instanceof HttpError && e.status === 503) {
      feed('reconnecting', `The server is busy: ${e.body?.message ?? 'too many console streams'}; retrying…`);
    } else {
      feed('reconnecting', `The feed dropped (${e.message}): reconnecting…`);
    }
  }
  setTimeout(() => { if (abort === controller) connect(); }, retryMs);
  retryMs = Math.min(10_000, retryMs * 2);
}

tokenForm($('token-form'), (value) => {
  token = value;
  connect();
});
connect();

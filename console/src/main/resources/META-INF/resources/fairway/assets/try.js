// The try-it page: streams typed text word by word (or speech, where the browser recognises it) through the
// reference client, and shows the partial translation in place and each final with its latency.
import { FairwayClient, State } from '/assets/fairway-client.js';
import { storedToken, tokenForm } from '/assets/token.js';

const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'pl', 'sv', 'uk', 'tr', 'ar', 'hi', 'ja', 'ko', 'zh'];
const $ = (id) => document.getElementById(id);
const names = new Intl.DisplayNames([navigator.language || 'en'], { type: 'language' });

const source = $('source');
const target = $('target');
for (const tag of LANGUAGES) {
  source.add(new Option(`${names.of(tag)} (${tag})`, tag));
  target.add(new Option(`${names.of(tag)} (${tag})`, tag));
}
source.value = 'en';
target.value = 'fr';

let client = null;
let token = storedToken();
let streaming = null;          // the text stream in progress: { cancelled }
const finals = new Map();      // local id -> <li>

function setStatus(text, state) {
  const status = $('status');
  status.textContent = text;
  status.dataset.state = state;
}

function notice(text) {
  const n = $('notice');
  n.textContent = text ?? '';
  n.hidden = !text;
}

function ms(value) {
  return value === null || value === undefined ? '' : `${Math.round(value)} ms`;
}

/** The client for the chosen languages: a new session when they change. */
function session() {
  const key = `${source.value}>${target.value}`;
  if (client && client.key === key && client.state !== State.CLOSED && client.state !== State.REFUSED) return client;
  if (client) client.end();
  client = new FairwayClient({ source: source.value, target: target.value, token, label: 'try-it page' });
  client.key = key;
  client.on('state', onState).on('translation', onTranslation).on('failed', onFailed).on('error', onError)
    .on('accepted', (a) => finals.get(a.id)?.classList.add('accepted'));
  client.connect().catch(() => { /* shown by the state and error listeners */ });
  return client;
}

function onState(s) {
  $('drop').disabled = s.state !== State.OPEN;
  switch (s.state) {
    case State.CONNECTING: return setStatus('Connecting…', 'connecting');
    case State.OPEN:
      notice(null);
      return setStatus(`Connected · session ${s.session} · ${s.resumable
        ? `resumable (protocol ${s.version})` : `not resumable (protocol ${s.version}${s.version === 2
          ? ', the server keeps no sessions' : ''})`}${s.resumed ? ` · resumed, ${s.replayed} replayed` : ''}`, 'open');
    case State.RECONNECTING:
      return setStatus(client.resumeToken ? `Connection lost: resuming the session${s.inMs ? ` in ${(s.inMs / 1000).toFixed(1)} s` : '…'}`
        : `Connection lost: reconnecting${s.inMs ? ` in ${(s.inMs / 1000).toFixed(1)} s` : '…'}`, 'reconnecting');
    case State.DRAINING: return setStatus(`The server is shutting down: ${s.message ?? ''}`, 'draining');
    case State.REFUSED: return setStatus(`Refused: ${s.message}`, 'refused');
    case State.CLOSED: return setStatus('Session ended.', 'closed');
    default: return undefined;
  }
}

function onError(e) {
  switch (e.code) {
    case 'unauthorized':
      $('access').open = true;
      return notice(`${e.message}. Enter a valid token under “Access token”.`);
    case 'forbidden':
      return notice(`${e.message}. The server must list this page's origin (${location.origin}) in `
        + 'fairway.transport.websocket.allowed-origins.');
    case 'rate_limited':
      return notice(`Rate-limited: this session sends faster than the server allows.${e.willRetry
        ? ' The final is sent again shortly.' : ''}`);
    case 'backpressure':
      return notice('The server\'s queue for this session is full: the final is sent again shortly.');
    case 'overloaded':
    case 'shutting_down':
      return notice(`The server takes no new sessions now: ${e.message}`);
    case 'dropped':
      return notice(`${e.message}. ${client?.resumeToken ? 'Resuming: no final is lost.' : 'Reconnecting.'}`);
    case 'unreachable':
    case 'handshake_failed':
      return notice(e.message);
    case 'resume_refused':
      return notice(e.message);
    default:
      return notice(`${e.code}: ${e.message}`);
  }
}

function onTranslation(t) {
  if (t.kind === 'partial') {
    const live = $('live');
    live.dataset.empty = 'false';
    live.querySelector('.translation').textContent = t.text;
    live.querySelector('.source').textContent = t.source;
    live.querySelector('.latency').textContent = `partial · ${ms(t.latency?.totalMs)}`;
    return;
  }
  notice(null);
  const li = finals.get(t.id) ?? newFinal(t.source);
  li.classList.add('done');
  li.dataset.seq = t.seq;
  li.querySelector('.translation').textContent = t.text;
  li.querySelector('.latency').textContent = `final · server ${ms(t.latency?.totalMs)}`
    + (t.clientMs !== null ? ` · round trip ${ms(t.clientMs)}` : '');
  const live = $('live');
  live.dataset.empty = 'true';
  live.querySelector('.translation').textContent = '';
  live.querySelector('.source').textContent = '';
  live.querySelector('.latency').textContent = '';
}

function onFailed(f) {
  if (f.kind !== 'final') return;
  const li = finals.get(f.id) ?? newFinal(f.text ?? '');
  li.classList.add('failed');
  li.querySelector('.translation').textContent = `not translated: ${f.reason} (${f.message})`;
}

function newFinal(text, id) {
  const li = document.createElement('li');
  li.className = 'final';
  li.innerHTML = '<p class="translation"></p><p class="source"></p><span class="latency">sent</span>';
  li.querySelector('.source').textContent = text;
  li.querySelector('.translation').textContent = '…';
  $('transcript').prepend(li);
  if (id) finals.set(id, li);
  return li;
}

function submitFinal(text) {
  const id = session().final(text);
  if (id) newFinal(text, id);
}

// ---------------------------------------------------------------- typed text, streamed like speech

function sentences(text) {
  return text.replace(/\s+/g, ' ').trim().split(/(?<=[.!?…。！？])\s+/).filter(s => s.length > 0);
}

const pause = (ms_) => new Promise(resolve => setTimeout(resolve, ms_));

async function streamText() {
  const text = $('text').value;
  if (!text.trim()) return;
  if (streaming) streaming.cancelled = true;
  const run = { cancelled: false };
  streaming = run;
  const c = session();
  $('stream').disabled = true;
  try {
    for (const sentence of sentences(text)) {
      const words = sentence.split(' ');
      for (let i = 1; i < words.length; i++) {
        if (run.cancelled) return;
        c.partial(words.slice(0, i).join(' '));
        await pause(Number($('pace').value));
      }
      if (run.cancelled) return;
      submitFinal(sentence);
      await pause(Number($('pace').value));
    }
    $('text').value = '';
  } finally {
    if (streaming === run) streaming = null;
    $('stream').disabled = false;
  }
}

// ---------------------------------------------------------------- speech

const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
let recognition = null;

function speak() {
  if (!Recognition) return;
  recognition = new Recognition();
  recognition.lang = source.value;
  recognition.continuous = true;
  recognition.interimResults = true;
  recognition.onresult = (event) => {
    for (let i = event.resultIndex; i < event.results.length; i++) {
      const transcript = event.results[i][0].transcript.trim();
      if (!transcript) continue;
      if (event.results[i].isFinal) submitFinal(transcript);
      else session().partial(transcript);
    }
  };
  recognition.onerror = (event) => notice(`Speech recognition: ${event.error}`);
  recognition.onend = () => { if (recognition) recognition.start(); };   // keeps listening until Stop
  session();
  recognition.start();
  $('speak').hidden = true;
  $('stop').hidden = false;
}

function stopSpeaking() {
  const r = recognition;
  recognition = null;
  r?.stop();
  $('speak').hidden = false;
  $('stop').hidden = true;
}

// ---------------------------------------------------------------- wiring

if (!Recognition) {
  $('speak').disabled = true;
  $('speech-note').hidden = false;
}
$('speak').addEventListener('click', speak);
$('stop').addEventListener('click', stopSpeaking);
$('stream').addEventListener('click', streamText);
$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) streamText();
});
$('swap').addEventListener('click', () => {
  [source.value, target.value] = [target.value, source.value];
});
$('drop').addEventListener('click', () => client?.simulateDrop());
tokenForm($('token-form'), (value) => {
  token = value;
  notice(null);
  if (client) { client.close(); client = null; }
  setStatus(value ? 'Token saved for this tab: it is used for the next session.' : 'Token forgotten.', 'idle');
});

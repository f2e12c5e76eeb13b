// Server-sent events over fetch, so that the token travels in an Authorization header (EventSource cannot set
// headers, and the token must not go in the URL). Parses text/event-stream as the HTML standard says: fields
// event and data, events end at an empty line, lines starting with ':' are comments.

export class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * Reads an event stream until it ends, the signal aborts, or the connection fails.
 * @param {string} url
 * @param {{token?: string, signal?: AbortSignal, onOpen?: () => void, onEvent: (name: string, data: string) => void}} o
 */
export async function readEvents(url, { token, signal, onOpen, onEvent }) {
  const headers = { Accept: 'text/event-stream' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { headers, cache: 'no-store', signal });
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch { /* not JSON */ }
    throw new HttpError(response.status, body);
  }
  onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let name = 'message';
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      let line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (data.length > 0) onEvent(name, data.join('\n'));
        name = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let v = colon < 0 ? '' : line.slice(colon + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (field === 'event') name = v;
      else if (field === 'data') data.push(v);
    }
  }
}

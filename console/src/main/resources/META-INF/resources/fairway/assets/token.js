// The API token of the pages: typed once, kept in this tab's sessionStorage (gone when the tab closes), never
// put in a URL. The WebSocket sends it as the subprotocol token.<base64url>; fetches as Authorization: Bearer.

const KEY = 'fairway.token';

export function storedToken() {
  try { return sessionStorage.getItem(KEY) ?? ''; } catch { return ''; }
}

export function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(KEY, token); else sessionStorage.removeItem(KEY);
  } catch { /* storage disabled: the token lives as long as the page */ }
}

/** Wires a <form> with an <input type=password> and a "forget" button to the stored token. */
export function tokenForm(form, onChange) {
  const input = form.querySelector('input');
  input.value = storedToken();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    storeToken(input.value.trim());
    onChange(input.value.trim());
  });
  form.querySelector('[data-forget]')?.addEventListener('click', () => {
    input.value = '';
    storeToken('');
    onChange('');
  });
}

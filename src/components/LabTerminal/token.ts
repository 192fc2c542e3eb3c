/*
 * The access token of a workshop server (`npm start -- --host 0.0.0.0`
 * prints it). It travels only in the hello frame (lab/server/PROTOCOL.md):
 * never in a URL path or a cookie. An instructor can hand out a link with
 * it in the fragment (`/#lab-token=…`), which browsers never send to a
 * server; the page moves it into this origin's localStorage and off the
 * address bar, so it is not bookmarked or shared by accident.
 */

const KEY = 'uklab.token';
const FRAGMENT = /(?:^#|&)lab-token=([^&]+)/;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled: the learner types the token each time
  }
}

/** Take a token from the page's #lab-token=…, if any, and forget the fragment. */
export function takeTokenFromUrl(): void {
  const m = FRAGMENT.exec(window.location.hash);
  if (!m?.[1]) return;
  saveToken(decodeURIComponent(m[1]));
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
}

export function storedToken(): string | undefined {
  return storage()?.getItem(KEY) ?? undefined;
}

export function saveToken(token: string): void {
  storage()?.setItem(KEY, token.trim());
}

export function forgetToken(): void {
  storage()?.removeItem(KEY);
}

/*
 * The page's origin, asked once per page load whether it is a lab server
 * and how it is set up. Both the terminals (where the lab runs) and the
 * solutions switch (whether a workshop hides them) read the one answer.
 */
import {LAB_STATUS_PATH, parseLabStatus, type LabStatus} from '../../lab/protocol.ts';

export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

/** The origin's lab status, or undefined when the origin is no lab server (a static host, offline). */
export function fetchLabStatus(fetchFn: FetchFn = fetch): Promise<LabStatus | undefined> {
  // Promises, not async/await: the site's Babel makes a state machine of that, and this is on every page.
  return fetchFn(LAB_STATUS_PATH, {cache: 'no-store', credentials: 'same-origin'})
    .then((res) => (res.ok ? res.json() : undefined))
    .then(parseLabStatus, () => undefined);
}

let once: Promise<LabStatus | undefined> | undefined;

/** fetchLabStatus, once per page load: client-side navigation does not ask again. */
export function labStatus(): Promise<LabStatus | undefined> {
  once ??= fetchLabStatus();
  return once;
}

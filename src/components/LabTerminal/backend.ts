/*
 * Where the page's lab VM runs: on the lab server of the page's origin
 * (when it has one), or in the reader's tab (v86). The page asks its origin
 * for its lab status once (../lab-status.ts); the reader may switch, and the choice is kept
 * in localStorage. The answer is one store for the whole page, so that
 * every terminal and the steps' output (data-lab-backend on <html>, which
 * src/css/custom.css reads) agree.
 */
import {fetchLabStatus, labStatus, type FetchFn} from '../lab-status.ts';
import type {Backend} from '../../../site/step-format.ts';

export type {Backend};

export interface BackendState {
  /** Where the VM runs; undefined while that is not known yet (the origin is being asked). */
  readonly backend?: Backend;
  /** Whether the origin has a lab server; undefined while asking. */
  readonly serverAvailable?: boolean;
  /** Whether this browser can run the lab itself (WebAssembly). */
  readonly tabAvailable: boolean;
  /** The reader's own choice, if any. */
  readonly chosen?: Backend;
}

const KEY = 'uklab.backend';

/**
 * The backend in use: the reader's choice where it can run, else the lab
 * server when there is one, else the tab (which says so if it cannot run).
 */
export function pickBackend(chosen: Backend | undefined, serverAvailable: boolean | undefined, tabAvailable: boolean): Backend | undefined {
  if (chosen === 'tab' && tabAvailable) return 'tab';
  if (serverAvailable === undefined) return undefined;
  return serverAvailable ? 'server' : 'tab';
}

/** Does the origin answer LAB_STATUS_PATH like a lab server (JSON, not a static host's 404 or fallback page)? */
export function hasLabServer(fetchFn?: FetchFn): Promise<boolean> {
  return (fetchFn ? fetchLabStatus(fetchFn) : labStatus()).then((status) => status !== undefined);
}

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled: the choice lasts for this page
  }
}

function storedChoice(): Backend | undefined {
  const v = storage()?.getItem(KEY);
  return v === 'tab' || v === 'server' ? v : undefined;
}

let state: BackendState | undefined;
let asked = false;
const listeners = new Set<() => void>();
const SERVER_RENDERED: BackendState = {tabAvailable: true};

function update(next: Omit<BackendState, 'backend'>): void {
  state = {...next, backend: pickBackend(next.chosen, next.serverAvailable, next.tabAvailable)};
  if (state.backend) document.documentElement.dataset.labBackend = state.backend;
  // Array.from, not a spread: the site's Babel (loose mode) spreads a Set as if it were an array.
  for (const l of Array.from(listeners)) l();
}

function current(): BackendState {
  if (!state) {
    update({
      chosen: storedChoice(),
      tabAvailable: typeof WebAssembly === 'object',
    });
  }
  return state as BackendState;
}

/** For useSyncExternalStore. */
export function getBackendState(): BackendState {
  return state ?? SERVER_RENDERED;
}

export function getServerBackendState(): BackendState {
  return SERVER_RENDERED;
}

export function subscribeBackend(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Start knowing where the lab runs: the stored choice now, the origin's answer soon. Once per page. */
export function detectBackend(): void {
  current();
  if (asked) return;
  asked = true;
  void hasLabServer().then((serverAvailable) => update({...current(), serverAvailable}));
}

/** The reader's switch; remembered for the next pages. */
export function chooseBackend(backend: Backend): void {
  storage()?.setItem(KEY, backend);
  update({...current(), chosen: backend});
}

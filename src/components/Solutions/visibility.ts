/*
 * Whether the page shows the exercises' reference solutions, and who
 * decided. A workshop's lab server that hides them wins (its status says
 * so, for the whole class); otherwise a link with ?solutions=hidden hides
 * them for the rest of the reader's visit (this tab), and ?solutions=shown,
 * or the reader's own "show them", brings them back. Self-study readers
 * with neither see them, as before.
 */
import {SOLUTIONS_PARAM, type SolutionsVisibility} from '../../../lab/protocol.ts';

export interface SolutionsState {
  readonly visibility: SolutionsVisibility;
  /** Who hid them: the lab server (not for the reader to undo) or a link; 'default' when shown by default. */
  readonly by: 'server' | 'link' | 'reader' | 'default';
}

export const DEFAULT_STATE: SolutionsState = {visibility: 'shown', by: 'default'};

/** What a page address asks for, if anything. */
export function visibilityInUrl(search: string): SolutionsVisibility | undefined {
  const v = new URLSearchParams(search).get(SOLUTIONS_PARAM);
  return v === 'hidden' || v === 'shown' ? v : undefined;
}

export interface Inputs {
  /** The lab server's setting, when the origin is one and says. */
  readonly server?: SolutionsVisibility;
  /** This page's ?solutions=. */
  readonly url?: SolutionsVisibility;
  /** What an earlier link or the reader chose in this tab. */
  readonly stored?: {readonly visibility: SolutionsVisibility; readonly by: 'link' | 'reader'};
}

export function decide({server, url, stored}: Inputs): SolutionsState {
  if (server === 'hidden') return {visibility: 'hidden', by: 'server'};
  if (url) return {visibility: url, by: 'link'};
  return stored ?? DEFAULT_STATE;
}

const KEY = 'uklab.solutions';

function session(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // storage disabled: the choice lasts for this page
  }
}

function storedChoice(): Inputs['stored'] {
  const raw = session()?.getItem(KEY);
  const [visibility, by] = (raw ?? '').split(':');
  if ((visibility === 'hidden' || visibility === 'shown') && (by === 'link' || by === 'reader')) return {visibility, by};
  return undefined;
}

let inputs: Inputs = {};
let state: SolutionsState = DEFAULT_STATE;
const listeners = new Set<() => void>();

function update(next: Inputs): void {
  inputs = next;
  state = decide(inputs);
  // For CSS: hides the solutions before React has hydrated the page.
  document.documentElement.dataset.solutions = state.visibility;
  if (state.by === 'link' || state.by === 'reader') {
    // Kept for the next pages of this visit, which have no ?solutions= of their own.
    inputs = {...inputs, stored: {visibility: state.visibility, by: state.by}};
    session()?.setItem(KEY, `${state.visibility}:${state.by}`);
  }
  for (const l of Array.from(listeners)) l();
}

/** Read the page's address (on load and after each client-side navigation). */
export function readLocation(search: string): void {
  update({...inputs, stored: inputs.stored ?? storedChoice(), url: visibilityInUrl(search)});
}

/** The lab server's answer, once it is known. */
export function setServerVisibility(server: SolutionsVisibility | undefined): void {
  update({...inputs, server});
}

/** The reader's "show them" after a link hid them (not offered when the server hides them). */
export function showSolutions(): void {
  update({...inputs, url: undefined, stored: {visibility: 'shown', by: 'reader'}});
}

export function getSolutionsState(): SolutionsState {
  return state;
}

export function getServerSolutionsState(): SolutionsState {
  return DEFAULT_STATE;
}

export function subscribeSolutions(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

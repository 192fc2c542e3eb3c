/*
 * The learner, as their browser knows them to a lab server: a random id,
 * made once and kept in localStorage, sent in the WebSocket's hello. A
 * server that keeps a workshop's progress files the page's progress reports
 * under it; it says nothing about who the learner is.
 */
import {cleanName, LEARNER_ID} from '../../../lab/protocol.ts';
import {browserStorage, type StorageLike} from '../browser-storage.ts';

export const LEARNER_KEY = 'uklab-learner';

/** This browser's learner id, made on first use; undefined where storage is refused. */
export function learnerId(storage: StorageLike | undefined = browserStorage()): string | undefined {
  if (!storage) return undefined;
  try {
    const kept = storage.getItem(LEARNER_KEY);
    if (kept && LEARNER_ID.test(kept)) return kept;
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    const id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
    storage.setItem(LEARNER_KEY, id);
    return id;
  } catch {
    return undefined;
  }
}

export const NAME_KEY = 'uklab-name';

/** The name this learner gave for a workshop's instructor, if any (sent in the hello with the id). */
export function learnerName(storage: StorageLike | undefined = browserStorage()): string | undefined {
  try {
    const kept = storage?.getItem(NAME_KEY);
    return kept ? cleanName(kept) : undefined;
  } catch {
    return undefined;
  }
}

/** Keep the name (cleaned), or forget it when nothing is left of it; returns what was kept. */
export function saveLearnerName(raw: string, storage: StorageLike | undefined = browserStorage()): string | undefined {
  const name = cleanName(raw);
  try {
    if (name) storage?.setItem(NAME_KEY, name);
    else storage?.removeItem(NAME_KEY);
  } catch {
    // storage refused: the name lasts for this page only, in the form
  }
  return name;
}

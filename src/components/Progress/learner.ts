/*
 * The learner, as their browser knows them to a lab server: a random id,
 * made once and kept in localStorage, sent in the WebSocket's hello. A
 * server that keeps a workshop's progress files the page's progress reports
 * under it; it says nothing about who the learner is.
 */
import {LEARNER_ID} from '../../../lab/protocol.ts';
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

// localStorage for tests in Node: the three calls the page's stores use
// (src/components/browser-storage.ts), kept, or refused as a browser in
// private mode or with a full quota refuses them.
import type { StorageLike } from '../../src/components/browser-storage.ts';

export class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** A storage that refuses to read and to write. */
export const REFUSING_STORAGE: StorageLike = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
  removeItem: () => undefined,
};

/*
 * The page's localStorage, as the parts that keep things in it (the
 * editor's edits, the reader's progress, the learner's id) use it: the three
 * calls they need, and none at all where the browser refuses storage.
 */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The page's localStorage, or none where it cannot be had. */
export function browserStorage(): StorageLike | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

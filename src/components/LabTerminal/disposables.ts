/*
 * Everything a terminal session sets up (listeners, observers, timers, the
 * terminal itself) is registered here as it is made, and undone in one call,
 * last made first undone, as ttyd's Xterm class does with register()/dispose().
 */
export interface Disposable {
  dispose(): void;
}

export class Disposables implements Disposable {
  private items: Disposable[] = [];

  /** Keep `item` (a Disposable, or a function that undoes something) until dispose(). */
  add<T extends Disposable | (() => void)>(item: T): T {
    this.items.push(typeof item === 'function' ? {dispose: item} : item);
    return item;
  }

  dispose(): void {
    const items = this.items.splice(0).reverse();
    for (const item of items) {
      try {
        item.dispose();
      } catch {
        // One failing undo must not keep the others from running.
      }
    }
  }
}

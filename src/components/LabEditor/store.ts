/*
 * A learner's edits of a lesson's files, kept in the browser across reloads
 * (localStorage), per lesson: both locales of a lesson share them. Only
 * files that differ from the lesson's own are stored, so an edit undone by
 * hand, or a revert, leaves nothing behind. The storage is passed in, so
 * this runs in Node under test; a browser that refuses storage (private
 * mode, a full quota) keeps the edits for the page's life only.
 */
import type {SourceFile} from '../../../lab/protocol.ts';
import type {StorageLike} from '../browser-storage.ts';

export {browserStorage, type StorageLike} from '../browser-storage.ts';

const PREFIX = 'uklab.edits.';

export class EditStore {
  private readonly texts = new Map<string, string>();
  private readonly original: ReadonlyMap<string, string>;

  constructor(
    readonly lesson: string,
    files: readonly SourceFile[],
    private readonly storage: StorageLike | undefined,
  ) {
    this.original = new Map(files.map((f) => [f.name, f.text]));
    for (const f of files) this.texts.set(f.name, f.text);
    for (const [name, text] of Object.entries(this.load())) if (this.original.has(name)) this.texts.set(name, text);
  }

  get names(): string[] {
    return Array.from(this.original.keys());
  }

  text(name: string): string {
    return this.texts.get(name) ?? '';
  }

  originalText(name: string): string {
    return this.original.get(name) ?? '';
  }

  isEdited(name: string): boolean {
    return this.text(name) !== this.originalText(name);
  }

  get edited(): string[] {
    return this.names.filter((n) => this.isEdited(n));
  }

  set(name: string, text: string): void {
    if (!this.original.has(name)) return;
    this.texts.set(name, text);
    this.save();
  }

  /** The lesson's own version of `name` again. */
  revert(name: string): void {
    this.set(name, this.originalText(name));
  }

  /** Every file as the learner has it: what a build sends. */
  files(): SourceFile[] {
    return this.names.map((name) => ({name, text: this.text(name)}));
  }

  private key(): string {
    return PREFIX + this.lesson;
  }

  private load(): Record<string, string> {
    try {
      const raw = this.storage?.getItem(this.key());
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return {};
    }
  }

  private save(): void {
    const edits = Object.fromEntries(this.edited.map((n) => [n, this.text(n)]));
    try {
      if (Object.keys(edits).length === 0) this.storage?.removeItem(this.key());
      else this.storage?.setItem(this.key(), JSON.stringify(edits));
    } catch {
      // Storage refused (quota, private mode): the edits live as long as the page.
    }
  }
}

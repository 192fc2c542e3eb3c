/*
 * CodeMirror 6 behind the few things the lesson's editor does: show a file
 * with C highlighting, report edits, mark the compiler's diagnostics,
 * show the changes against the lesson's own code (a unified diff in the
 * editor itself, @codemirror/merge), follow dark mode, and jump to a line.
 * Loaded only when the learner opens the editor (index.tsx imports it
 * lazily), so a lesson page's first load does not grow.
 */
import {basicSetup} from 'codemirror';
import {cpp} from '@codemirror/lang-cpp';
import {lintGutter, setDiagnostics, type Diagnostic} from '@codemirror/lint';
import {unifiedMergeView} from '@codemirror/merge';
import {Compartment, EditorState} from '@codemirror/state';
import {oneDark} from '@codemirror/theme-one-dark';
import {EditorView} from '@codemirror/view';
import type {BuildDiagnostic} from '../../../lab/protocol.ts';

export interface CodeEditor {
  /** Show another file (or the same one, reverted); its diagnostics and diff go with it. */
  show(text: string, original: string): void;
  readonly text: string;
  setDiagnostics(diagnostics: readonly BuildDiagnostic[]): void;
  showChanges(on: boolean): void;
  setDark(dark: boolean): void;
  /** Put the cursor on `line` (1-based) and the focus in the editor. */
  goTo(line: number, column?: number): void;
  destroy(): void;
}

export interface CodeEditorOptions {
  dark: boolean;
  /** An accessible name for the editing area. */
  label: string;
  onChange(text: string): void;
}

const SEVERITY: Record<BuildDiagnostic['severity'], Diagnostic['severity']> = {error: 'error', warning: 'warning', note: 'info'};

export function createCodeEditor(host: HTMLElement, text: string, original: string, opts: CodeEditorOptions): CodeEditor {
  const theme = new Compartment();
  const diff = new Compartment();
  let changes = false;
  let base = original;
  const extensions = () => [
    basicSetup,
    cpp(),
    lintGutter(),
    theme.of(opts.dark ? oneDark : []),
    diff.of(changes ? unifiedMergeView({original: base, mergeControls: false}) : []),
    EditorView.contentAttributes.of({'aria-label': opts.label}),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) opts.onChange(u.state.doc.toString());
    }),
  ];
  const view = new EditorView({parent: host, state: EditorState.create({doc: text, extensions: extensions()})});

  const lineStart = (line: number): number => view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines)).from;

  return {
    show(next: string, nextOriginal: string) {
      base = nextOriginal;
      view.setState(EditorState.create({doc: next, extensions: extensions()}));
    },
    get text() {
      return view.state.doc.toString();
    },
    setDiagnostics(diagnostics) {
      const marks: Diagnostic[] = diagnostics
        .filter((d) => d.line !== undefined)
        .map((d) => {
          // From the column to the end of the line, so the mark is seen (an empty range is only a dot).
          const line = view.state.doc.line(Math.min(Math.max(1, d.line ?? 1), view.state.doc.lines));
          const at = Math.min(line.from + Math.max(0, (d.column ?? 1) - 1), line.to);
          const from = at < line.to ? at : line.from;
          return {from, to: line.to, severity: SEVERITY[d.severity], message: d.message};
        });
      view.dispatch(setDiagnostics(view.state, marks));
    },
    showChanges(on) {
      changes = on;
      view.dispatch({effects: diff.reconfigure(on ? unifiedMergeView({original: base, mergeControls: false}) : [])});
    },
    setDark(dark) {
      view.dispatch({effects: theme.reconfigure(dark ? oneDark : [])});
    },
    goTo(line, column = 1) {
      const pos = Math.min(lineStart(line) + column - 1, view.state.doc.line(Math.min(line, view.state.doc.lines)).to);
      view.dispatch({selection: {anchor: pos}, scrollIntoView: true});
      view.focus();
    },
    destroy() {
      view.destroy();
    },
  };
}

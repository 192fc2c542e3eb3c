/*
 * The terminal on the page: what a lab session needs of one (TerminalLike),
 * and xterm.js with its fit addon behind that interface. xterm.js, the addon
 * and their CSS are fetched when the learner shows an intent to start
 * (pointer over or focus on "Start lab") or on the click, never with the
 * page: webpack loads each chunk once.
 */
import type {ITheme} from '@xterm/xterm';
import {writeClipboard} from '../clipboard.ts';
import type {Disposable} from './disposables.ts';

export interface TerminalLike extends Disposable {
  readonly cols: number;
  readonly rows: number;
  /** `done` runs once the terminal has processed `data` (flow control). */
  write(data: string, done: () => void): void;
  onData(listener: (data: string) => void): Disposable;
  onResize(listener: (size: {cols: number; rows: number}) => void): Disposable;
  /** Fit the rows and columns to the element the terminal is in. */
  fit(): void;
  /** A fresh screen (a fresh VM). */
  reset(): void;
  focus(): void;
  paste(text: string): void;
  selection(): string | undefined;
  setDark(dark: boolean): void;
}

export interface TerminalOptions {
  /** Output only (the instructor's view of a learner's terminal): keys and pastes send nothing, and the cursor does not blink. */
  readOnly?: boolean;
}

/** Makes a terminal inside `host`. */
export type TerminalFactory = (host: HTMLElement, dark: boolean, options?: TerminalOptions) => TerminalLike;

const DARK: ITheme = {background: '#1b1b1d', foreground: '#e3e3e3', cursor: '#e3e3e3', selectionBackground: '#4b5563'};
const LIGHT: ITheme = {background: '#fbfbfb', foreground: '#1c1e21', cursor: '#1c1e21', selectionBackground: '#c7d2fe'};

function monospaceFonts(): string {
  const fonts = getComputedStyle(document.documentElement).getPropertyValue('--ifm-font-family-monospace').trim();
  return fonts || 'monospace';
}

let loading: Promise<TerminalFactory> | undefined;

/** xterm.js as a TerminalFactory; a failed load is tried again on the next call. */
export function loadXterm(): Promise<TerminalFactory> {
  loading ??= Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit'), import('@xterm/xterm/css/xterm.css')]).then(
    ([{Terminal}, {FitAddon}]): TerminalFactory =>
      (host, dark, options) => {
        const t = new Terminal({
          cursorBlink: !options?.readOnly,
          disableStdin: options?.readOnly === true,
          convertEol: false,
          // xterm.js measures glyphs with this string, so it must be a real
          // font list, not var(): an unresolved variable measured one font and
          // drew another, and the rows overlapped.
          fontFamily: monospaceFonts(),
          fontSize: 14,
          scrollback: 5000,
          theme: dark ? DARK : LIGHT,
        });
        const fit = new FitAddon();
        t.loadAddon(fit);
        t.open(host);
        // Ctrl+Shift+C / Ctrl+Shift+V copy and paste, as in desktop terminals;
        // plain Ctrl+C stays the guest's interrupt.
        t.attachCustomKeyEventHandler((e) => {
          if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
          if (e.code === 'KeyC') {
            if (t.hasSelection()) void writeClipboard(t.getSelection()).catch(() => undefined); // nothing to copy into: the selection stays
            return false;
          }
          // Returning false lets the browser fire its paste event, which xterm.js handles.
          return e.code !== 'KeyV';
        });
        return {
          get cols() {
            return t.cols;
          },
          get rows() {
            return t.rows;
          },
          write: (data, done) => t.write(data, done),
          onData: (l) => t.onData(l),
          onResize: (l) => t.onResize(l),
          fit: () => {
            // fit() throws while the box is hidden (zero size); the next resize fixes it.
            try {
              fit.fit();
            } catch {
              /* hidden */
            }
          },
          reset: () => t.reset(),
          focus: () => t.focus(),
          paste: (text) => t.paste(text),
          selection: () => (t.hasSelection() ? t.getSelection() : undefined),
          setDark: (d) => {
            t.options.theme = d ? DARK : LIGHT;
          },
          dispose: () => t.dispose(),
        };
      },
  );
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

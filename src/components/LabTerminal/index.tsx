/*
 * <LabTerminal lesson="ioctl" />: a terminal on the page into a lab VM of
 * its own. The page stays light until the learner clicks "Start lab": only
 * then are xterm.js, its fit addon and its CSS loaded (dynamic imports in
 * the click handler), and the WebSocket opened. Terminal output is untrusted
 * and only ever goes to xterm.js or into React text, never into HTML.
 */
import {useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode} from 'react';
import clsx from 'clsx';
import useIsBrowser from '@docusaurus/useIsBrowser';
import Translate, {translate} from '@docusaurus/Translate';
import {useColorMode} from '@docusaurus/theme-common';
import type {Terminal, ITheme} from '@xterm/xterm';
import type {FitAddon} from '@xterm/addon-fit';
import {LabConnection, type LabStatus} from './connection';
import {registerLabTerminal} from './registry';
import {forgetToken, isTokenRefusal, saveToken, storedToken, takeTokenFromUrl} from './token';
import {writeClipboard} from '@site/src/components/clipboard';
import styles from './styles.module.css';

export {runInLabTerminal, hasLabTerminal, subscribeLabTerminals} from './registry';

export interface Props {
  readonly lesson: string;
  /** 1 for a second shell into the same VM (needs a console-0 terminal for the lesson on the page). */
  readonly console?: number;
  readonly title?: string;
}

const DARK: ITheme = {background: '#1b1b1d', foreground: '#e3e3e3', cursor: '#e3e3e3', selectionBackground: '#4b5563'};
const LIGHT: ITheme = {background: '#fbfbfb', foreground: '#1c1e21', cursor: '#1c1e21', selectionBackground: '#c7d2fe'};

// Functions, not a constant: translate() must run inside a render so it
// picks the page's locale.
function label(state: LabStatus['state']): string {
  switch (state) {
    case 'idle':
      return translate({id: 'lab.status.idle', message: 'Not started'});
    case 'connecting':
      return translate({id: 'lab.status.connecting', message: 'Connecting…'});
    case 'booting':
      return translate({id: 'lab.status.booting', message: 'Booting the lab VM…'});
    case 'ready':
      return translate({id: 'lab.status.ready', message: 'Ready'});
    case 'exited':
      return translate({id: 'lab.status.exited', message: 'The VM has stopped'});
    case 'panic':
      return translate({id: 'lab.status.panic', message: 'Kernel panic'});
    case 'full':
      return translate({id: 'lab.status.full', message: 'The lab is full'});
    case 'error':
      return translate({id: 'lab.status.error', message: 'Error'});
    case 'disconnected':
      return translate({id: 'lab.status.disconnected', message: 'Disconnected'});
  }
}

/** Session ids of console-0 terminals, so a console-1 terminal can join. */
const sessions = new Map<string, string>();

/*
 * xterm.js, its fit addon and its CSS: fetched when the learner shows an
 * intent to start (pointer over or focus on "Start lab") or on the click,
 * never with the page. Webpack loads each chunk once.
 */
function loadXterm(): Promise<[typeof Terminal, typeof FitAddon]> {
  return Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit'), import('@xterm/xterm/css/xterm.css')]).then(
    ([x, fit]) => [x.Terminal, fit.FitAddon],
  );
}

function monospaceFonts(): string {
  const fonts = getComputedStyle(document.documentElement).getPropertyValue('--ifm-font-family-monospace').trim();
  return fonts || 'monospace';
}

export default function LabTerminal({lesson, console: consoleIndex = 0, title}: Props): ReactNode {
  const isBrowser = useIsBrowser();
  const {colorMode} = useColorMode();
  const [status, setStatus] = useState<LabStatus>({state: 'idle'});
  const [loading, setLoading] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | undefined>(undefined);
  const fit = useRef<FitAddon | undefined>(undefined);
  const conn = useRef<LabConnection | undefined>(undefined);
  const pending = useRef<string[]>([]);
  const wasReady = useRef(false);
  const cleanup = useRef<(() => void) | undefined>(undefined);
  const starting = useRef(false);

  const flushPending = useCallback(() => {
    const c = conn.current;
    if (!c || c.state !== 'ready') return;
    for (const cmd of pending.current.splice(0)) c.input(`${cmd}\r`);
  }, []);

  const start = useCallback(async () => {
    // A ref, not the `loading` state: two Run clicks in one tick would both
    // see the state from before the first.
    if (starting.current || !box.current) return;
    if (consoleIndex > 0 && !sessions.has(lesson)) {
      // A second terminal joins the first one's VM, so that one goes first.
      setStatus({state: 'error', message: translate({id: 'lab.second.needsFirst', message: 'start the first terminal on this page first'})});
      return;
    }
    starting.current = true;
    setLoading(true);
    setStatus({state: 'connecting'});
    // The session and the terminal's code load at the same time: the
    // WebSocket opens now, with a size guessed from the box, and its first
    // output waits in `early` until xterm.js is there; the real size follows
    // as a resize. Loading xterm.js first and connecting after cost the
    // learner both delays in a row.
    const early: {data: string; done: () => void}[] = [];
    let write: ((data: string, done: () => void) => void) | undefined;
    const c = new LabConnection(
      lesson,
      {
        output: (data, done) => (write ? write(data, done) : early.push({data, done})),
        status: (s) => {
          if (s.state === 'booting' && wasReady.current) term.current?.reset(); // a reset: a fresh screen for a fresh VM
          if (s.state === 'ready') {
            wasReady.current = true;
            if (consoleIndex === 0 && c.sessionId) sessions.set(lesson, c.sessionId);
          }
          setStatus(s);
          if (s.state === 'ready') queueMicrotask(flushPending);
        },
      },
      consoleIndex,
      storedToken,
    );
    conn.current = c;
    const guess = {cols: Math.max(20, Math.floor(box.current.clientWidth / 8.4)), rows: 24};
    c.connect(guess.cols, guess.rows, consoleIndex > 0 ? sessions.get(lesson) : undefined);
    cleanup.current = () => c.close(); // if the page goes away while xterm.js loads

    let XTerm: typeof Terminal;
    let Fit: typeof FitAddon;
    try {
      [XTerm, Fit] = await loadXterm();
    } catch (e) {
      // A chunk that failed to load (server restarted with a new build, a
      // dropped connection): say so, and let Start lab try again.
      c.close();
      starting.current = false;
      setLoading(false);
      setStatus({state: 'error', message: `the terminal could not load: ${(e as Error).message}`});
      return;
    }
    const t = new XTerm({
      cursorBlink: true,
      convertEol: false,
      // xterm.js measures glyphs with this string, so it must be a real
      // font list, not var(): an unresolved variable measured one font and
      // drew another, and the rows overlapped.
      fontFamily: monospaceFonts(),
      fontSize: 14,
      scrollback: 5000,
      theme: document.documentElement.dataset.theme === 'dark' ? DARK : LIGHT,
    });
    const f = new Fit();
    t.loadAddon(f);
    t.open(box.current!);
    f.fit();
    term.current = t;
    fit.current = f;

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

    write = (data, done) => t.write(data, done);
    for (const {data, done} of early.splice(0)) t.write(data, done);
    const onData = t.onData((d) => c.input(d));
    const onResize = t.onResize(({cols, rows}) => c.resize(cols, rows));
    if (t.cols !== guess.cols || t.rows !== guess.rows) c.resize(t.cols, t.rows);

    const observer = new ResizeObserver(() => {
      // fit() throws while the box is hidden (zero size); the next resize fixes it.
      try {
        f.fit();
      } catch {
        /* hidden */
      }
    });
    observer.observe(box.current!);
    cleanup.current = () => {
      observer.disconnect();
      onData.dispose();
      onResize.dispose();
      c.close();
      t.dispose();
    };
    setLoading(false);
    t.focus();
  }, [lesson, consoleIndex, flushPending]);

  useEffect(() => () => cleanup.current?.(), []);
  useEffect(takeTokenFromUrl, []);

  useEffect(() => {
    if (term.current) term.current.options.theme = colorMode === 'dark' ? DARK : LIGHT;
  }, [colorMode]);

  useEffect(() => {
    return registerLabTerminal(lesson, {
      run: (text) => {
        // One Enter per line, as if typed: a step may hold several commands.
        pending.current.push(...text.split('\n'));
        if (!term.current) void start();
        else flushPending();
      },
      focus: () => {
        box.current?.scrollIntoView({block: 'nearest'});
        term.current?.focus();
      },
    }, consoleIndex);
  }, [lesson, consoleIndex, start, flushPending]);

  const reset = (): void => {
    conn.current?.reset();
    term.current?.focus();
  };
  const reconnect = (): void => {
    const t = term.current;
    if (!t || !conn.current) return;
    conn.current.connect(t.cols, t.rows, consoleIndex > 0 ? sessions.get(lesson) : undefined);
    t.focus();
  };
  const paste = async (): Promise<void> => {
    try {
      const text = await navigator.clipboard.readText();
      term.current?.paste(text);
    } catch {
      /* no clipboard access: Ctrl+Shift+V still works */
    }
    term.current?.focus();
  };

  // A workshop server refused the token (or got none): ask for it here.
  const needToken = status.state === 'error' && isTokenRefusal(status.message);
  const submitToken = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const value = new FormData(e.currentTarget).get('token');
    if (typeof value !== 'string' || value.trim() === '') return;
    saveToken(value);
    reconnect();
  };
  useEffect(() => {
    if (needToken) forgetToken();
  }, [needToken]);

  const started = term.current !== undefined || loading;
  const {state} = status;
  const canReset = ['ready', 'exited', 'panic'].includes(state);
  const canReconnect = ['disconnected', 'full', 'error'].includes(state) && !needToken;

  return (
    // Once started, a lesson's terminal docks under the navbar on wide
    // screens, so the Run buttons further down the page stay next to it.
    <figure className={clsx(styles.lab, started && consoleIndex === 0 && styles.docked)} data-lab-state={state} data-lesson={lesson}>
      <figcaption className={styles.bar}>
        <span className={styles.title}>
          {title ??
            (consoleIndex
              ? translate({id: 'lab.title.second', message: 'Lab: {lesson} (second terminal)'}, {lesson})
              : translate({id: 'lab.title', message: 'Lab: {lesson}'}, {lesson}))}
        </span>
        <span className={clsx(styles.status, styles[state])} role="status" aria-live="polite">
          {label(state)}
          {state === 'booting' && status.progress !== undefined && ` ${Math.round(status.progress * 100)}%`}
          {status.message && state !== 'ready' ? ` — ${status.message}` : ''}
        </span>
        <span className={styles.buttons}>
          {!started && (
            <button type="button" className="button button--primary button--sm" disabled={!isBrowser} onPointerEnter={() => void loadXterm()} onFocus={() => void loadXterm()} onClick={() => void start()}>
              <Translate id="lab.start">Start lab</Translate>
            </button>
          )}
          {started && (
            <>
              <button type="button" className="button button--secondary button--sm" disabled={!term.current} onClick={() => term.current?.hasSelection() && void writeClipboard(term.current.getSelection()).catch(() => undefined)} title={translate({id: 'lab.copy.title', message: 'Copy the selection (Ctrl+Shift+C)'})}>
                <Translate id="lab.copy">Copy</Translate>
              </button>
              <button type="button" className="button button--secondary button--sm" disabled={!term.current} onClick={() => void paste()} title={translate({id: 'lab.paste.title', message: 'Paste (Ctrl+Shift+V)'})}>
                <Translate id="lab.paste">Paste</Translate>
              </button>
              <button type="button" className="button button--secondary button--sm" disabled={!canReset || consoleIndex > 0} onClick={reset} title={translate({id: 'lab.reset.title', message: 'A fresh VM'})}>
                <Translate id="lab.reset">Reset</Translate>
              </button>
              <button type="button" className="button button--secondary button--sm" disabled={!canReconnect} onClick={reconnect}>
                <Translate id="lab.reconnect">Reconnect</Translate>
              </button>
            </>
          )}
        </span>
      </figcaption>
      {needToken && (
        <form className={styles.token} onSubmit={submitToken}>
          <label>
            <Translate id="lab.token.label">This lab server needs the access token your instructor gave you:</Translate>{' '}
            <input name="token" type="password" autoComplete="off" required autoFocus />
          </label>{' '}
          <button type="submit" className="button button--primary button--sm">
            <Translate id="lab.token.submit">Join</Translate>
          </button>
        </form>
      )}
      {state === 'booting' && (
        <progress className={styles.progress} max={1} value={status.progress ?? 0} aria-label={translate({id: 'lab.progress', message: 'Boot progress'})} />
      )}
      <div ref={box} className={clsx(styles.screen, !started && styles.screenIdle)} onClick={() => term.current?.focus()}>
        {!started && (
          <p className={styles.placeholder}>
            <Translate id="lab.placeholder">A Linux VM of your own for this lesson. Nothing runs until you start it.</Translate>
          </p>
        )}
      </div>
      {(state === 'panic' || state === 'exited') && status.tail && (
        <details className={styles.tail} open={state === 'panic'}>
          <summary>
            <Translate id="lab.tail">Console tail</Translate>
          </summary>
          <pre>{status.tail}</pre>
        </details>
      )}
    </figure>
  );
}

/*
 * <LabTerminal lesson="ioctl" />: a terminal on the page into a lab VM of
 * its own. The page stays light until the learner clicks "Start lab": only
 * then are xterm.js, its fit addon and its CSS loaded, and the lab reached:
 * the lab server of the page's origin, or v86 in the tab (backend.ts says
 * which, and the header lets the reader switch).
 * The work is done by a LabTerminalSession (session.ts) over a transport
 * (transport.ts); this component renders the session's state and wires the
 * buttons to it. Terminal output is untrusted and only ever goes to xterm.js
 * or into React text, never into HTML.
 */
import {useEffect, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode, type RefObject} from 'react';
import clsx from 'clsx';
import useIsBrowser from '@docusaurus/useIsBrowser';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import Translate, {translate} from '@docusaurus/Translate';
import {useColorMode} from '@docusaurus/theme-common';
import {MAX_NAME_CHARS, type ConsoleIndex} from '../../../lab/protocol.ts';
import {writeClipboard} from '../clipboard.ts';
import {learnerId, learnerName, saveLearnerName} from '../Progress/learner.ts';
import {labStatus} from '../lab-status.ts';
import {chooseBackend, detectBackend, getBackendState, getServerBackendState, subscribeBackend, type Backend} from './backend.ts';
import {IDLE, LazySession} from './lazy-session.ts';
import {findSession, registerSession} from './registry.ts';
import type {SessionSnapshot} from './session.ts';
import {loadXterm} from './terminal.ts';
import {forgetToken, saveToken, storedToken, takeTokenFromUrl} from './token.ts';
import type {LabStatus, LabTransport, TransportEvents} from './transport.ts';
import styles from './styles.module.css';
import {siteRootUrl} from './site-root.ts';

export {runInLabTerminal, subscribeSessions} from './registry.ts';

export interface Props {
  readonly lesson: string;
  /** 1 for a second shell into the same VM (needs the page's console-0 terminal for the lesson). */
  readonly console?: ConsoleIndex;
  readonly title?: string;
}

// Functions, not constants: translate() must run inside a render so it
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

/** The page's own words for a reason, where it has them; else the server's message (English). */
function explanation(status: LabStatus): string | undefined {
  switch (status.reason) {
    case 'needs-console-0':
      return translate({id: 'lab.second.needsFirst', message: 'start the first terminal on this page first'});
    case 'terminal-load-failed':
      return translate({id: 'lab.reason.terminalLoadFailed', message: 'the terminal could not be loaded; press Start lab to try again'});
    case 'no-webassembly':
      return translate({id: 'lab.reason.noWebAssembly', message: 'this browser cannot run the lab: no WebAssembly'});
    case 'load-failed':
      return translate({id: 'lab.reason.loadFailed', message: "the lab's files could not be loaded; press Reconnect to try again"});
    case 'cold-boot':
      return translate({id: 'lab.reason.coldBoot', message: 'the saved lab could not be used; booting the VM from scratch, which takes longer'});
    case 'poweroff':
      return translate({id: 'lab.reason.poweroff', message: 'its shell exited; press Reset for a fresh VM'});
    case 'version-mismatch':
      return translate({id: 'lab.reason.versionMismatch', message: 'this page is older or newer than the lab server: reload the page'});
    case 'token-throttled':
      return translate({id: 'lab.reason.tokenThrottled', message: 'too many wrong tokens from your network; wait a minute and try again'});
    case 'full':
      return translate({id: 'lab.reason.full', message: 'no room for another VM right now; try again in a minute'});
    case 'start-failed':
      return translate({id: 'lab.reason.startFailed', message: 'the lab VM did not start; press Reset to try again'});
    case 'idle':
      return translate({id: 'lab.reason.idle', message: 'stopped after a long time without input; press Reset for a fresh VM'});
    case 'time-limit':
      return translate({id: 'lab.reason.timeLimit', message: "this lab's time is up; reload the page for a new one"});
    default:
      return status.message;
  }
}

const noSubscription = (): (() => void) => () => undefined;
const idleSnapshot = (): SessionSnapshot => IDLE;

function isDark(): boolean {
  return document.documentElement.dataset.theme === 'dark';
}

/*
 * The session's code and its transport's (v86 behind the tab's) are loaded
 * when a lab starts, or when the pointer comes near "Start lab": a lesson
 * page ships none of it (lazy-session.ts). webpack loads each chunk once.
 * The tab's transport has its lab's files fetched then too (tab-kit.ts).
 */
type Connect = (lesson: string, events: TransportEvents) => LabTransport;

const transportCode: Record<Backend, (baseUrl: string) => Promise<Connect>> = {
  tab: (baseUrl) =>
    import('./tab-transport.ts').then(({TabTransport, TabBuildClient, labSocketUrl, prefetchTabLab}): Connect => {
      prefetchTabLab(baseUrl);
      // Code is built on the page's lab server, when it has one (the reader chose the tab over it).
      const builds = new TabBuildClient({
        url: labSocketUrl(window.location),
        token: storedToken,
        available: () => getBackendState().serverAvailable === true,
      });
      return (lesson, events) => new TabTransport({lesson, events, baseUrl, builds});
    }),
  server: () =>
    import('./websocket-transport.ts').then(
      ({labSocketUrl, WebSocketTransport}): Connect =>
        (lesson, events) => new WebSocketTransport({lesson, console: 0, events, url: labSocketUrl(window.location), token: storedToken, learner: () => learnerId(), name: () => learnerName()}),
    ),
};

function where(backend: Backend): string {
  return backend === 'tab'
    ? translate({id: 'lab.where.tab', message: 'Runs in your browser'})
    : translate({id: 'lab.where.server', message: 'Runs on the lab server'});
}

/**
 * The session of this terminal, made in the browser once it mounts and
 * where the lab runs is known, and disposed when it goes (or the reader
 * switches where the lab runs: the new place starts afresh).
 */
function useLabSession(
  lesson: string,
  consoleIndex: ConsoleIndex,
  box: RefObject<HTMLDivElement | null>,
  backend: Backend | undefined,
  baseUrl: string,
): LazySession | undefined {
  const [session, setSession] = useState<LazySession>();
  useEffect(() => {
    if (!backend) return undefined;
    const s = new LazySession(lesson, consoleIndex, () =>
      Promise.all([
        import('./session.ts'),
        // Console 1 joins console 0's VM through console 0's transport: it needs none of its own.
        consoleIndex === 0 ? transportCode[backend](baseUrl) : undefined,
      ]).then(
        ([{LabTerminalSession}, connect]) =>
          new LabTerminalSession({
            lesson,
            console: consoleIndex,
            connect: (events) => {
              if (!connect) throw new Error('console 1 has no transport of its own');
              return connect(lesson, events);
            },
            first: () => findSession(lesson, 0),
            loadTerminal: loadXterm,
            isDark,
          }),
      ),
    );
    if (box.current) s.mount(box.current);
    setSession(s);
    const unregister = registerSession(s);
    return () => {
      unregister();
      s.dispose();
      setSession(undefined);
    };
  }, [lesson, consoleIndex, box, backend, baseUrl]);
  return session;
}

/** Whether the page's lab server has a workshop's instructor, who shows learners by the name they give. */
function useHasInstructor(backend: Backend | undefined): boolean {
  const [has, setHas] = useState(false);
  useEffect(() => {
    if (backend !== 'server') return undefined;
    let live = true;
    void labStatus().then((s) => live && setHas(s?.instructor === true));
    return () => {
      live = false;
    };
  }, [backend]);
  return has;
}

/** The learner's name for the instructor's view: optional, kept in this browser, sent with the next connection. */
function NameField(): ReactNode {
  const [name, setName] = useState(() => learnerName() ?? '');
  return (
    <label className={styles.name}>
      <Translate id="lab.name.label">Your name for the instructor (optional):</Translate>{' '}
      <input
        name="learner-name"
        value={name}
        maxLength={MAX_NAME_CHARS}
        autoComplete="nickname"
        onChange={(e) => setName(e.target.value)}
        onBlur={() => setName(saveLearnerName(name) ?? '')}
      />
    </label>
  );
}

/** What the workshop's instructor is doing with this terminal: watching it, a message, a reset to allow. */
function InstructorBar({snap, session}: {snap: SessionSnapshot; session: LazySession | undefined}): ReactNode {
  const {watching, message, askReset} = snap.instructor;
  return (
    <>
      {watching && (
        <p className={styles.instructor} data-instructor="watching">
          <Translate id="lab.instructor.watching">Your instructor is watching this terminal (they cannot type in it).</Translate>
        </p>
      )}
      {message !== undefined && (
        <p className={styles.instructor} role="alert" data-instructor="message">
          <Translate id="lab.instructor.message">Message from your instructor:</Translate> <strong>{message}</strong>{' '}
          <button type="button" className="button button--secondary button--sm" onClick={() => session?.dismissMessage()}>
            <Translate id="lab.instructor.dismiss">Dismiss</Translate>
          </button>
        </p>
      )}
      {askReset && (
        <p className={styles.instructor} role="alert" data-instructor="ask-reset">
          <Translate id="lab.instructor.askReset">Your instructor asks to reset your VM: you get a fresh one, and what you changed in this one is gone.</Translate>{' '}
          <button type="button" className="button button--primary button--sm" onClick={() => session?.answerReset(true)}>
            <Translate id="lab.instructor.allow">Allow</Translate>
          </button>{' '}
          <button type="button" className="button button--secondary button--sm" onClick={() => session?.answerReset(false)}>
            <Translate id="lab.instructor.decline">Not now</Translate>
          </button>
        </p>
      )}
    </>
  );
}

export default function LabTerminal({lesson, console: consoleIndex = 0, title}: Props): ReactNode {
  const isBrowser = useIsBrowser();
  const {colorMode} = useColorMode();
  const box = useRef<HTMLDivElement>(null);
  const {siteConfig, i18n} = useDocusaurusContext();
  const place = useSyncExternalStore(subscribeBackend, getBackendState, getServerBackendState);
  const {backend} = place;
  const session = useLabSession(lesson, consoleIndex, box, backend, siteRootUrl(siteConfig.baseUrl, i18n));
  const snap = useSyncExternalStore(session?.subscribe ?? noSubscription, session?.getSnapshot ?? idleSnapshot, idleSnapshot);
  const hasInstructor = useHasInstructor(backend);

  useEffect(takeTokenFromUrl, []);
  useEffect(detectBackend, []);
  useEffect(() => session?.setDark(colorMode === 'dark'), [session, colorMode]);
  useEffect(() => {
    if (snap.needsToken) forgetToken();
  }, [snap.needsToken]);

  const {status, started, hasTerminal, needsToken} = snap;
  const {state} = status;
  const paste = async (): Promise<void> => {
    try {
      session?.paste(await navigator.clipboard.readText());
    } catch {
      /* no clipboard access: Ctrl+Shift+V still works */
    }
  };
  const copy = (): void => {
    const text = session?.selection();
    if (text) void writeClipboard(text).catch(() => undefined);
  };
  const submitToken = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const value = new FormData(e.currentTarget).get('token');
    if (typeof value !== 'string' || value.trim() === '') return;
    saveToken(value);
    session?.reconnect();
  };
  const why = state !== 'ready' ? explanation(status) : undefined;
  // The other place the lab could run, if there is one: the reader may switch, from console 0's
  // header, but not away from a running VM by a stray click (that VM would be gone).
  const other: Backend | undefined =
    consoleIndex !== 0 || !backend || state === 'ready'
      ? undefined
      : backend === 'tab'
        ? place.serverAvailable
          ? 'server'
          : undefined
        : place.tabAvailable
          ? 'tab'
          : undefined;

  return (
    // Once started, a lesson's terminal docks under the navbar on wide
    // screens, so the Run buttons further down the page stay next to it.
    <figure
      className={clsx(styles.lab, started && consoleIndex === 0 && styles.docked)}
      data-lab-state={state}
      data-lab-reason={status.reason}
      data-lab-backend={backend}
      data-lesson={lesson}>
      <figcaption className={styles.bar}>
        <span className={styles.title}>
          {title ??
            (consoleIndex
              ? translate({id: 'lab.title.second', message: 'Lab: {lesson} (second terminal)'}, {lesson})
              : translate({id: 'lab.title', message: 'Lab: {lesson}'}, {lesson}))}
        </span>
        {backend && (
          <span className={styles.where}>
            {where(backend)}
            {other && (
              <>
                {' · '}
                <button
                  type="button"
                  className={styles.switch}
                  title={translate({id: 'lab.switch.title', message: 'Where the lab runs; switching starts a fresh VM there'})}
                  onClick={() => chooseBackend(other)}>
                  {other === 'tab'
                    ? translate({id: 'lab.switch.tab', message: 'run it in your browser'})
                    : translate({id: 'lab.switch.server', message: 'run it on the lab server'})}
                </button>
              </>
            )}
          </span>
        )}
        <span className={clsx(styles.status, styles[state])} role="status" aria-live="polite">
          {label(state)}
          {state === 'booting' && status.progress !== undefined && ` ${Math.round(status.progress * 100)}%`}
          {why ? ` — ${why}` : ''}
        </span>
        <span className={styles.buttons}>
          {!started && (
            <button
              type="button"
              className="button button--primary button--sm"
              disabled={!isBrowser || !session}
              onPointerEnter={() => {
                void loadXterm().catch(() => undefined);
                void session?.preload().catch(() => undefined);
              }}
              onFocus={() => {
                void loadXterm().catch(() => undefined);
                void session?.preload().catch(() => undefined);
              }}
              onClick={() => void session?.start()}>
              <Translate id="lab.start">Start lab</Translate>
            </button>
          )}
          {started && (
            <>
              <button type="button" className="button button--secondary button--sm" disabled={!hasTerminal} onClick={copy} title={translate({id: 'lab.copy.title', message: 'Copy the selection (Ctrl+Shift+C)'})}>
                <Translate id="lab.copy">Copy</Translate>
              </button>
              <button type="button" className="button button--secondary button--sm" disabled={!hasTerminal} onClick={() => void paste()} title={translate({id: 'lab.paste.title', message: 'Paste (Ctrl+Shift+V)'})}>
                <Translate id="lab.paste">Paste</Translate>
              </button>
              <button type="button" className="button button--secondary button--sm" disabled={!snap.canReset} onClick={() => session?.reset()} title={translate({id: 'lab.reset.title', message: 'A fresh VM'})}>
                <Translate id="lab.reset">Reset</Translate>
              </button>
              <button type="button" className="button button--secondary button--sm" disabled={!snap.canReconnect} onClick={() => session?.reconnect()}>
                <Translate id="lab.reconnect">Reconnect</Translate>
              </button>
            </>
          )}
        </span>
      </figcaption>
      {needsToken && (
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
      {hasInstructor && consoleIndex === 0 && !started && <NameField />}
      <InstructorBar snap={snap} session={session} />
      {state === 'booting' && (
        <progress className={styles.progress} max={1} value={status.progress ?? 0} aria-label={translate({id: 'lab.progress', message: 'Boot progress'})} />
      )}
      <div ref={box} className={clsx(styles.screen, !started && styles.screenIdle)} onClick={() => session?.focus()}>
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

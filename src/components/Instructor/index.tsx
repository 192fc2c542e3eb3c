/*
 * The workshop's instructor's view (/instructor, on the lab server, which
 * lets only the instructor load it): every learner in a live grid, one
 * learner's terminal to watch (read-only: nothing typed here reaches it),
 * a way to ask a learner to allow a reset of their VM, and a message to the
 * class. The connection is client.ts; this component renders its snapshot.
 * Learners' names and terminal output are untrusted: they only ever go
 * into React text or xterm.js, never into HTML.
 */
import {useEffect, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode} from 'react';
import clsx from 'clsx';
import useIsBrowser from '@docusaurus/useIsBrowser';
import Translate, {translate} from '@docusaurus/Translate';
import {useColorMode} from '@docusaurus/theme-common';
import {INSTRUCTOR_LOGOUT_PATH, MAX_MESSAGE_CHARS, PROGRESS_CSV_PATH, type LearnerRow, type LearnerVM, type ResetAsk} from '../../../lab/instructor-protocol.ts';
import {loadXterm, type TerminalLike} from '../LabTerminal/terminal.ts';
import {INITIAL_SNAPSHOT, InstructorClient, type InstructorSnapshot, type Watching} from './client.ts';
import {COLUMNS, displayName, formatSince, nextSort, sortRows, stuck, type Column, type Sort} from './grid.ts';
import {WatchScreen} from './watch-screen.ts';
import styles from './styles.module.css';

// Functions, not constants: translate() must run inside a render so it
// picks the page's locale.
function columnLabel(column: Column): string {
  switch (column) {
    case 'name':
      return translate({id: 'instructor.col.name', message: 'Name', description: "Column of the instructor's grid: the learner's name"});
    case 'lesson':
      return translate({id: 'instructor.col.lesson', message: 'Lesson', description: "Column of the instructor's grid: the lesson of the learner's terminal"});
    case 'lastStep':
      return translate({id: 'instructor.col.lastStep', message: 'Last step', description: "Column of the instructor's grid: the step the learner last ran"});
    case 'stepsRun':
      return translate({id: 'instructor.col.stepsRun', message: 'Steps run', description: "Column of the instructor's grid: how many steps the learner ran"});
    case 'checksPassed':
      return translate({id: 'instructor.col.checksPassed', message: 'Checks passed', description: "Column of the instructor's grid: how many checks passed"});
    case 'since':
      return translate({
        id: 'instructor.col.since',
        message: 'Since progress',
        description: "Column of the instructor's grid: time since the learner's last step or check",
      });
    case 'vm':
      return translate({id: 'instructor.col.vm', message: 'VM', description: "Column of the instructor's grid: the state of the learner's VM"});
  }
}

function vmLabel(vm: LearnerVM): string {
  switch (vm) {
    case 'booting':
      return translate({id: 'instructor.vm.booting', message: 'booting', description: "A learner's VM is starting"});
    case 'ready':
      return translate({id: 'instructor.vm.ready', message: 'ready', description: "A learner's VM is up"});
    case 'exited':
      return translate({id: 'instructor.vm.exited', message: 'stopped', description: "A learner's VM has stopped"});
    case 'panic':
      return translate({id: 'instructor.vm.panic', message: 'kernel panic', description: "A learner's VM's kernel panicked"});
    case 'full':
      return translate({id: 'instructor.vm.full', message: 'no room', description: 'The lab server had no room for a VM for this learner'});
    case 'left':
      return translate({id: 'instructor.vm.left', message: 'left', description: "The learner's page is gone and their session ended"});
  }
}

function resetAskLabel(ask: ResetAsk): string {
  switch (ask) {
    case 'asked':
      return translate({
        id: 'instructor.resetAsk.asked',
        message: 'reset asked',
        description: 'The instructor asked this learner to allow a reset; no answer yet',
      });
    case 'allowed':
      return translate({id: 'instructor.resetAsk.allowed', message: 'reset allowed', description: 'The learner allowed the reset the instructor asked for'});
    case 'declined':
      return translate({id: 'instructor.resetAsk.declined', message: 'reset declined', description: 'The learner declined the reset the instructor asked for'});
  }
}

const unnamed = (): string =>
  translate({id: 'instructor.unnamed', message: 'learner', description: 'Stands for a learner who gave no name, before the start of their id'});

const noSubscription = (): (() => void) => () => undefined;
const initialSnapshot = (): InstructorSnapshot => INITIAL_SNAPSHOT;

/** The connection and the watched screen, made in the browser when the page mounts and ended when it goes. */
function useInstructor(): {client?: InstructorClient; screen?: WatchScreen} {
  const [both, setBoth] = useState<{client?: InstructorClient; screen?: WatchScreen}>({});
  useEffect(() => {
    const client = new InstructorClient({location: window.location});
    // Listening before any frame can arrive: see watch-screen.ts.
    const screen = new WatchScreen(client);
    setBoth({client, screen});
    return () => {
      screen.dispose();
      client.dispose();
      setBoth({});
    };
  }, []);
  return both;
}

/** The server's now, once a second, so "since" counts on between the server's rosters. */
function useServerNow(offset: number): number {
  const [local, setLocal] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setLocal(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return local + offset;
}

function StatusLine({snap}: {snap: InstructorSnapshot}): ReactNode {
  const {connection, unreachable} = snap;
  return (
    <p
      className={clsx(styles.status, connection !== 'open' && styles.down)}
      role="status"
      data-connection={connection}
      data-unreachable={unreachable ? 'true' : undefined}>
      {unreachable ? (
        <Translate id="instructor.status.unreachable" description="The instructor's page could not reach a lab server (e.g. a static copy of the site)">
          {"The instructor's view needs the workshop's lab server: open /instructor on it and give the instructor's token."}
        </Translate>
      ) : connection === 'open' ? (
        <Translate id="instructor.status.open" description="The instructor's page is connected and the grid updates live">
          Connected to the lab server: the grid is live.
        </Translate>
      ) : connection === 'connecting' ? (
        <Translate id="instructor.status.connecting" description="The instructor's page is connecting to the lab server">
          Connecting to the lab server…
        </Translate>
      ) : (
        <Translate id="instructor.status.closed" description="The instructor's page lost its connection and will reconnect">
          Disconnected from the lab server; trying again…
        </Translate>
      )}
    </p>
  );
}

function LearnerGrid({snap, client, now}: {snap: InstructorSnapshot; client: InstructorClient | undefined; now: number}): ReactNode {
  const [sort, setSort] = useState<Sort>({column: 'name', direction: 'asc'});
  const rows = sortRows(snap.learners, sort);
  const open = snap.connection === 'open';
  const watched = snap.watching?.state === 'watching' ? snap.watching.learner : undefined;
  const who = unnamed();
  return (
    <div className={styles.gridBox}>
      <table className={clsx('table', styles.grid)} data-instructor-grid>
        <caption className={styles.caption}>
          <Translate id="instructor.grid.caption" description="Caption of the instructor's grid of learners">
            Learners
          </Translate>
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => {
              const sorted = sort.column === column;
              return (
                <th key={column} data-col={column} aria-sort={sorted ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
                  <button
                    type="button"
                    className={styles.sort}
                    title={translate({
                      id: 'instructor.sort.title',
                      message: 'Sort by this column; again for the other way',
                      description: "Tooltip of a column heading of the instructor's grid",
                    })}
                    onClick={() => setSort(nextSort(sort, column))}>
                    {columnLabel(column)}
                    <span aria-hidden="true" className={styles.arrow}>
                      {sorted ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              );
            })}
            <th>
              <span className="sr-only">
                <Translate id="instructor.col.actions" description="Column of the instructor's grid with the Watch and Reset buttons">
                  Actions
                </Translate>
              </span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={COLUMNS.length + 1} className={styles.empty} data-no-learners>
                <Translate id="instructor.grid.empty" description="The instructor's grid has no learners yet">
                  No learners yet: they appear here when they open a lab.
                </Translate>
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <LearnerRowView
              key={row.learner}
              row={row}
              name={displayName(row, who)}
              now={now}
              isStuck={stuck(row, now, snap.stuckAfterMs)}
              open={open}
              watched={watched === row.learner}
              client={client}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps {
  row: LearnerRow;
  name: string;
  now: number;
  isStuck: boolean;
  /** Whether the connection is open: the buttons send nothing otherwise. */
  open: boolean;
  watched: boolean;
  client: InstructorClient | undefined;
}

function LearnerRowView({row, name, now, isStuck, open, watched, client}: RowProps): ReactNode {
  // No session on any server for these: nothing to watch or to ask.
  const gone = row.vm === 'left' || row.vm === 'full';
  const otherLesson = row.lastStepLesson !== undefined && row.lastStepLesson !== row.lesson;
  return (
    <tr
      data-learner={row.learner}
      data-vm={row.vm}
      data-stuck={isStuck ? 'true' : undefined}
      className={clsx(isStuck && styles.stuck, watched && styles.watched)}>
      <td data-col="name">
        <span className={clsx(!row.name?.trim() && styles.unnamed)} data-name>
          {name}
        </span>
        {isStuck && (
          <span
            className={clsx('badge badge--danger', styles.badge)}
            data-stuck-badge
            title={translate({
              id: 'instructor.stuck.title',
              message: 'No progress for a while, or the VM needs help',
              description: 'Tooltip of the "stuck" badge in the instructor\'s grid',
            })}>
            <Translate id="instructor.stuck" description="Badge on a learner who may need the instructor">
              stuck
            </Translate>
          </span>
        )}
      </td>
      <td data-col="lesson">{row.lesson ?? '—'}</td>
      <td data-col="lastStep">
        {row.lastStep === undefined ? (
          '—'
        ) : (
          <>
            {otherLesson && <span className={styles.muted}>{row.lastStepLesson} › </span>}
            <code>{row.lastStep}</code>
          </>
        )}
      </td>
      <td data-col="stepsRun" className={styles.number}>
        {row.stepsRun}
      </td>
      <td data-col="checksPassed" className={styles.number}>
        {row.checksPassed}
      </td>
      <td data-col="since" title={row.lastProgress !== undefined ? new Date(row.lastProgress).toLocaleTimeString() : undefined}>
        {formatSince(row.lastProgress, now)}
      </td>
      <td data-col="vm">
        <span className={clsx((row.vm === 'panic' || row.vm === 'full') && styles.bad)}>{vmLabel(row.vm)}</span>
        {row.resetAsk && (
          <span className={styles.resetAsk} data-reset-ask={row.resetAsk}>
            {' · '}
            {resetAskLabel(row.resetAsk)}
          </span>
        )}
      </td>
      <td className={styles.actions}>
        <button
          type="button"
          className="button button--primary button--sm"
          data-action="watch"
          aria-pressed={watched}
          disabled={!open || gone || watched}
          title={translate({
            id: 'instructor.watch.title',
            message: "Show this learner's terminal here, read-only",
            description: "Tooltip of the Watch button in the instructor's grid",
          })}
          onClick={() => client?.watch(row.learner)}>
          <Translate id="instructor.watch" description="Button: watch a learner's terminal">
            Watch
          </Translate>
        </button>
        <button
          type="button"
          className="button button--secondary button--sm"
          data-action="reset"
          disabled={!open || gone}
          title={translate({
            id: 'instructor.reset.title',
            message: 'Ask this learner to allow a reset of their VM: their page asks them, and nothing is reset unless they allow it',
            description: "Tooltip of the Reset button in the instructor's grid",
          })}
          onClick={() => client?.askReset(row.learner)}>
          <Translate id="instructor.reset" description="Button: ask a learner to allow a reset of their VM">
            Reset…
          </Translate>
        </button>
      </td>
    </tr>
  );
}

/** The watched terminal: xterm.js, fed by the screen, with no input wired at all. */
function WatchTerminal({screen}: {screen: WatchScreen}): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<TerminalLike>(undefined);
  const {colorMode} = useColorMode();
  const dark = colorMode === 'dark';
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    let made: TerminalLike | undefined;
    const fit = (): void => made?.fit();
    loadXterm().then(
      (make) => {
        if (!live || !host.current) return;
        made = make(host.current, document.documentElement.dataset.theme === 'dark', {readOnly: true});
        term.current = made;
        made.fit();
        screen.attach(made);
        window.addEventListener('resize', fit);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      window.removeEventListener('resize', fit);
      if (made) {
        screen.detach(made);
        made.dispose();
      }
      term.current = undefined;
    };
  }, [screen]);
  useEffect(() => term.current?.setDark(dark), [dark]);
  return (
    <>
      {failed && (
        <p className={styles.problem} role="alert">
          <Translate id="instructor.watch.terminalFailed" description="The terminal of the instructor's watch panel could not be loaded">
            The terminal could not be loaded: stop watching, then watch again.
          </Translate>
        </p>
      )}
      <div ref={host} className={styles.screen} />
    </>
  );
}

interface WatchPanelProps {
  watching: Watching;
  /** The watched learner's name as the grid shows it. */
  name: string;
  screen: WatchScreen | undefined;
  client: InstructorClient | undefined;
}

function WatchPanel({watching, name, screen, client}: WatchPanelProps): ReactNode {
  const ended = watching.state === 'ended';
  return (
    <section className={styles.watch} data-watch={watching.learner} data-watch-state={watching.state}>
      <header className={styles.watchBar}>
        <h2 className={styles.watchTitle}>
          {translate(
            {id: 'instructor.watch.heading', message: 'Watching {name}', description: "Heading of the instructor's panel with a learner's terminal"},
            {name},
          )}
        </h2>
        <span className="badge badge--secondary">
          <Translate id="instructor.watch.readOnly" description="Label: the instructor cannot type in the watched terminal">
            read-only
          </Translate>
        </span>
        <button type="button" className="button button--secondary button--sm" data-action="unwatch" onClick={() => client?.unwatch()}>
          {ended ? (
            <Translate id="instructor.watch.close" description="Button: close the panel of a watch that has ended">
              Close
            </Translate>
          ) : (
            <Translate id="instructor.unwatch" description="Button: stop watching a learner's terminal">
              Stop watching
            </Translate>
          )}
        </button>
      </header>
      {ended && (
        <p className={styles.ended} data-watch-ended>
          <Translate id="instructor.watch.ended" description="The watch of a learner's terminal is over; the server's reason may follow">
            This watch has ended.
          </Translate>
          {watching.message !== undefined && ` (${watching.message})`}
        </p>
      )}
      {screen && <WatchTerminal screen={screen} />}
    </section>
  );
}

function MessageForm({client, open}: {client: InstructorClient | undefined; open: boolean}): ReactNode {
  const [text, setText] = useState('');
  const submit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    // Kept in the box when it could not go out, to send again once connected.
    if (client?.broadcast(text)) setText('');
  };
  return (
    <form className={styles.message} data-broadcast onSubmit={submit}>
      <label htmlFor="instructor-message">
        <Translate id="instructor.message.label" description="Label of the instructor's message to the class">
          A message to the class, shown on every learner's page:
        </Translate>
      </label>
      <textarea id="instructor-message" name="message" rows={2} maxLength={MAX_MESSAGE_CHARS} value={text} onChange={(e) => setText(e.target.value)} />
      <div className={styles.messageBar}>
        <button type="submit" className="button button--primary button--sm" disabled={!open || text.trim() === ''}>
          <Translate id="instructor.message.send" description="Button: send the instructor's message to every learner">
            Send to everyone
          </Translate>
        </button>
        <span className={styles.muted}>
          {text.length}/{MAX_MESSAGE_CHARS}
        </span>
      </div>
    </form>
  );
}

function Notices({snap}: {snap: InstructorSnapshot}): ReactNode {
  const first = snap.noticeCount - snap.notices.length;
  return (
    <ul className={styles.notices} aria-live="polite" data-notices>
      {snap.notices.map((text, i) => (
        <li key={first + i}>{text}</li>
      ))}
    </ul>
  );
}

export default function Instructor(): ReactNode {
  const isBrowser = useIsBrowser();
  const {client, screen} = useInstructor();
  const snap = useSyncExternalStore(client?.subscribe ?? noSubscription, client?.getSnapshot ?? initialSnapshot, initialSnapshot);
  const now = useServerNow(snap.offset);
  const {watching} = snap;
  const watchedRow = watching && snap.learners.find((r) => r.learner === watching.learner);
  const links = (
    <div className={styles.links}>
      <a className="button button--secondary button--sm" href={PROGRESS_CSV_PATH} download>
        <Translate id="instructor.csv" description="Link: every learner's progress as a CSV file">
          Download progress (CSV)
        </Translate>
      </a>
      <form method="post" action={INSTRUCTOR_LOGOUT_PATH} className={styles.logout}>
        <button type="submit" className="button button--outline button--secondary button--sm">
          <Translate id="instructor.logout" description="Button: forget the instructor's login in this browser">
            Log out
          </Translate>
        </button>
      </form>
    </div>
  );
  // The static page is the same for everyone: the live parts come in the browser.
  if (!isBrowser) return <div className={styles.instructor}>{links}</div>;
  return (
    <div className={styles.instructor}>
      <div className={styles.top}>
        <StatusLine snap={snap} />
        {links}
      </div>
      {!snap.unreachable && (
        <>
          {watching && (
            <WatchPanel watching={watching} name={displayName(watchedRow ?? {learner: watching.learner}, unnamed())} screen={screen} client={client} />
          )}
          <LearnerGrid snap={snap} client={client} now={now} />
          <div className={styles.side}>
            <MessageForm client={client} open={snap.connection === 'open'} />
            <Notices snap={snap} />
          </div>
        </>
      )}
    </div>
  );
}

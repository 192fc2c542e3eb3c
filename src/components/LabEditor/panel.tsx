/*
 * The open editor (index.tsx loads this when the learner opens it): the
 * lesson's files in tabs, CodeMirror, Build and what it said. Edits are
 * kept in the browser per lesson (store.ts). The build goes through the
 * page's lab terminal session (LabTerminal's registry), over the same
 * connection as the terminal, so it lands in that terminal's VM.
 */
import {useEffect, useRef, useState, useSyncExternalStore, type ReactNode} from 'react';
import clsx from 'clsx';
import Translate, {translate} from '@docusaurus/Translate';
import {useColorMode} from '@docusaurus/theme-common';
import type {BuildDiagnostic, BuildFrame} from '../../../lab/protocol.ts';
import {findSession, subscribeSessions} from '../LabTerminal/registry.ts';
import {IDLE} from '../LabTerminal/lazy-session.ts';
import type {CodeEditor} from './code-editor.ts';
import {loadLessonSources} from './sources.ts';
import {browserStorage, EditStore} from './store.ts';
import styles from './styles.module.css';

const loadEditor = (): Promise<typeof import('./code-editor.ts')> => import('./code-editor.ts');
const noSubscription = (): (() => void) => () => undefined;
const idle = () => IDLE;

/** Why Build cannot be pressed now, in the page's words; undefined when it can. */
function buildBlocked(hasLab: boolean, state: string, canBuild: boolean): string | undefined {
  if (canBuild) return undefined;
  if (!hasLab) return translate({id: 'editor.blocked.noLab', message: 'this page has no lab terminal to build into'});
  if (state === 'ready') {
    return translate({
      id: 'editor.blocked.tab',
      message: 'building needs a lab server, and this copy of the site has none: serve the site with npm start to build',
    });
  }
  return translate({id: 'editor.blocked.notReady', message: 'start the lab below first: the build goes into its VM'});
}

function buildLine(b: BuildFrame): string {
  switch (b.state) {
    case 'queued':
      return translate({id: 'editor.build.queued', message: 'Waiting for a free build slot: number {n} in line'}, {n: b.position ?? 1});
    case 'building':
      return translate({id: 'editor.build.building', message: 'Building…'});
    case 'done': {
      const files = (b.delivered ?? []).map((d) => d.path.split('/').pop()).join(', ');
      return b.cached
        ? translate({id: 'editor.build.doneCached', message: 'Built before with the same code; your VM has {files}'}, {files})
        : translate({id: 'editor.build.done', message: 'Built; your VM has {files}. Load it in the terminal (rmmod, then insmod).'}, {files});
    }
    case 'failed':
      return translate({id: 'editor.build.failed', message: 'The build failed; your VM is unchanged. See the messages below.'});
    case 'refused':
      return translate({id: 'editor.build.refused', message: 'Not built: {why}'}, {why: b.message ?? b.reason ?? ''});
  }
}

function Diagnostics({list, onPick}: {list: readonly BuildDiagnostic[]; onPick: (d: BuildDiagnostic) => void}): ReactNode {
  if (list.length === 0) return null;
  return (
    <ul className={styles.diagnostics}>
      {list.map((d, i) => (
        <li key={i} className={styles[d.severity]}>
          {d.file && d.line ? (
            <button type="button" className={styles.where} onClick={() => onPick(d)}>
              {d.file.split('/').pop()}:{d.line}
              {d.column ? `:${d.column}` : ''}
            </button>
          ) : null}{' '}
          <span className={styles.severity}>{d.severity}:</span> {d.message}
        </li>
      ))}
    </ul>
  );
}

export default function EditorPanel({lesson, lab}: {readonly lesson: string; readonly lab: string}): ReactNode {
  const {colorMode} = useColorMode();
  const [store, setStore] = useState<EditStore>();
  const [loadError, setLoadError] = useState<string>();
  const [current, setCurrent] = useState<string>();
  const [showChanges, setShowChanges] = useState(false);
  const [build, setBuild] = useState<BuildFrame>();
  const [, rerender] = useState(0);
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<CodeEditor | undefined>(undefined);
  const currentRef = useRef<string | undefined>(undefined);
  currentRef.current = current;

  const session = useSyncExternalStore(subscribeSessions, () => findSession(lab), () => undefined);
  const snap = useSyncExternalStore(session?.subscribe ?? noSubscription, session?.getSnapshot ?? idle, idle);
  const blocked = buildBlocked(session !== undefined, snap.status.state, snap.canBuild);
  const building = build !== undefined && (build.state === 'queued' || build.state === 'building');

  // Open: the editor's code and the lesson's files, together.
  useEffect(() => {
    if (store) return;
    let gone = false;
    Promise.all([loadEditor(), loadLessonSources(lesson)]).then(
      ([, files]) => {
        if (gone) return;
        const s = new EditStore(lesson, files, browserStorage());
        setStore(s);
        setCurrent(s.names.find((n) => n.endsWith('.c') && n !== 'user_program.c') ?? s.names[0]);
      },
      (e: unknown) => !gone && setLoadError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      gone = true;
    };
  }, [store, lesson]);

  // The editor itself, once the files are there.
  useEffect(() => {
    if (!store || !current || !host.current || editor.current) return;
    let gone = false;
    void loadEditor().then(({createCodeEditor}) => {
      if (gone || !host.current) return;
      editor.current = createCodeEditor(host.current, store.text(current), store.originalText(current), {
        dark: colorMode === 'dark',
        label: translate({id: 'editor.label', message: 'Source code'}),
        onChange: (text) => {
          const name = currentRef.current;
          if (!name) return;
          const was = store.isEdited(name);
          store.set(name, text);
          if (was !== store.isEdited(name)) rerender((n) => n + 1);
        },
      });
      rerender((n) => n + 1);
    });
    return () => {
      gone = true;
    };
    // Made once; switching files goes through show() below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [store, current]);

  useEffect(() => () => editor.current?.destroy(), []);
  useEffect(() => editor.current?.setDark(colorMode === 'dark'), [colorMode]);
  useEffect(() => editor.current?.showChanges(showChanges), [showChanges]);
  const diagnostics = build?.diagnostics ?? [];
  useEffect(() => {
    editor.current?.setDiagnostics(diagnostics.filter((d) => d.file === current));
  }, [build, current, diagnostics]);

  const switchTo = (name: string): void => {
    if (!store || name === current) return;
    setCurrent(name);
    editor.current?.show(store.text(name), store.originalText(name));
    editor.current?.showChanges(showChanges);
  };
  const revert = (): void => {
    if (!store || !current) return;
    store.revert(current);
    editor.current?.show(store.text(current), store.originalText(current));
    editor.current?.showChanges(showChanges);
    rerender((n) => n + 1);
  };
  const startBuild = (): void => {
    if (!store || !session || building) return;
    const sent = session.build(store.files(), (frame) => setBuild(frame), lesson);
    setBuild(
      sent
        ? {type: 'build', id: 0, state: 'queued', position: 1}
        : {type: 'build', id: 0, state: 'refused', message: buildBlocked(true, snap.status.state, false) ?? ''},
    );
  };
  const pick = (d: BuildDiagnostic): void => {
    if (!d.file || !d.line || !store?.names.includes(d.file)) return;
    switchTo(d.file);
    // After the switch has shown the file.
    queueMicrotask(() => editor.current?.goTo(d.line ?? 1, d.column));
  };

  return (
    <div data-build-state={build?.state}>
      {loadError && (
        <p className={styles.placeholder} role="alert">
          <Translate id="editor.loadFailed" values={{why: loadError}}>
            {'The editor could not be loaded ({why}); reload the page to try again.'}
          </Translate>
        </p>
      )}
      {store && (
        <>
          <div className={styles.toolbar}>
            <div className={styles.tabs} role="tablist" aria-label={translate({id: 'editor.files', message: 'Files'})}>
              {store.names.map((name) => (
                <button
                  key={name}
                  type="button"
                  role="tab"
                  aria-selected={name === current}
                  className={clsx(styles.tab, name === current && styles.current)}
                  onClick={() => switchTo(name)}>
                  {name}
                  {store.isEdited(name) && (
                    <span className={styles.edited} title={translate({id: 'editor.edited', message: 'changed'})}>
                      {' •'}
                    </span>
                  )}
                </button>
              ))}
            </div>
            <span className={styles.buttons}>
              <label className={styles.toggle}>
                <input type="checkbox" checked={showChanges} onChange={(e) => setShowChanges(e.currentTarget.checked)} />{' '}
                <Translate id="editor.changes">Show my changes</Translate>
              </label>
              <button type="button" className="button button--secondary button--sm" disabled={!current || !store.isEdited(current)} onClick={revert}>
                <Translate id="editor.revert">Revert this file</Translate>
              </button>
              <button
                type="button"
                className="button button--primary button--sm"
                disabled={blocked !== undefined || building}
                title={blocked}
                onClick={startBuild}>
                <Translate id="editor.build">Build</Translate>
              </button>
            </span>
          </div>
          <div ref={host} className={styles.code} role="tabpanel" />
          <p className={clsx(styles.status, build && styles[build.state])} role="status" aria-live="polite">
            {build ? buildLine(build) : blocked ? translate({id: 'editor.build.blocked', message: 'Build: {why}'}, {why: blocked}) : ''}
          </p>
          <Diagnostics list={diagnostics} onPick={pick} />
          {build?.log && (
            <details className={styles.log}>
              <summary>
                <Translate id="editor.log">Build output</Translate>
              </summary>
              <pre>{build.log}</pre>
            </details>
          )}
        </>
      )}
    </div>
  );
}

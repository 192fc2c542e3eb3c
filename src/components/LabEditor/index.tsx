/*
 * <LabEditor lesson="ioctl" />: the lesson's C sources in an editor on the
 * page, and a Build button that sends them to the lab server, which builds
 * them in a sandbox and puts the module and program into the learner's VM
 * (lab/build/), where the page's terminal for the lesson loads them.
 *
 * This shell is all a lesson page carries: a title and a button. The editor
 * (panel.tsx, with CodeMirror and the lesson's files behind it) is loaded
 * when the learner opens it, or fetched when the pointer comes near.
 */
import {lazy, Suspense, useState, type ReactNode} from 'react';
import useIsBrowser from '@docusaurus/useIsBrowser';
import Translate from '@docusaurus/Translate';
import styles from './styles.module.css';

export interface Props {
  /** The lesson whose files it edits (kernel/<lesson>/) and builds into /lab/<lesson>/. */
  readonly lesson: string;
  /** The page's terminal whose VM the build goes into, when it is another lesson's (the procfs/sysfs page). */
  readonly lab?: string;
}

const loadPanel = () => import('./panel.tsx');
const Panel = lazy(loadPanel);

export default function LabEditor({lesson, lab}: Props): ReactNode {
  const isBrowser = useIsBrowser();
  const [open, setOpen] = useState(false);
  return (
    <figure className={styles.editor} data-editor-lesson={lesson}>
      <figcaption className={styles.bar}>
        <span className={styles.title}>
          <Translate id="editor.title" values={{lesson}}>
            {'Code: {lesson}'}
          </Translate>
        </span>
        {!open && (
          <button
            type="button"
            className="button button--secondary button--sm"
            disabled={!isBrowser}
            onPointerEnter={() => void loadPanel().catch(() => undefined)}
            onFocus={() => void loadPanel().catch(() => undefined)}
            onClick={() => setOpen(true)}>
            <Translate id="editor.open">Edit and build</Translate>
          </button>
        )}
      </figcaption>
      {open ? (
        <Suspense
          fallback={
            <p className={styles.placeholder}>
              <Translate id="editor.loading">Loading the editor…</Translate>
            </p>
          }>
          <Panel lesson={lesson} lab={lab ?? lesson} />
        </Suspense>
      ) : (
        <p className={styles.placeholder}>
          <Translate id="editor.placeholder">
            Change this lesson's module or program, build it on the lab server, and load the result in your VM.
          </Translate>
        </p>
      )}
    </figure>
  );
}

/*
 * The frame around a shiki-highlighted block: its title (a file path for
 * included code) and a copy button. Highlighting itself is done at build
 * time; this only adds what needs the browser.
 */
import {useRef, useSyncExternalStore, type ComponentProps, type ReactNode} from 'react';
import type {ConsoleIndex} from '../../../lab/protocol.ts';
import clsx from 'clsx';
import Translate, {translate} from '@docusaurus/Translate';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import {hasPageConsole, reportPageProgress, runInPageConsole, subscribeSessions} from '@site/src/components/LabTerminal/registry';
import {progress, useLesson, useLessonProgress} from '@site/src/components/Progress';
import {isCheck} from '@site/src/components/Progress/store';
import {watchVerdict} from '@site/src/components/Progress/verdict';
import CopyButton from './CopyButton';
import styles from './styles.module.css';

export type Props = ComponentProps<'pre'> & {
  readonly 'data-title'?: string;
  readonly 'data-language'?: string;
  /** Set by site/shiki.ts on a runnable step: its anchor, e.g. step-load. */
  readonly 'data-step'?: string;
  /** What the Run button types: the step's commands, one per line. */
  readonly 'data-run'?: string;
  /** '1' for a step typed into the page's second terminal (console 1). */
  readonly 'data-console'?: string;
};

export function isShikiClass(className: string | undefined, name: string): boolean {
  return className?.split(/\s+/).includes(name) ?? false;
}

function stepLabel(anchor: string): string {
  if (anchor.endsWith('-check')) return translate({id: 'lab.step.check', message: 'Check'});
  if (anchor.endsWith('-solution')) return translate({id: 'lab.step.solution', message: 'Solution'});
  return translate({id: 'lab.step', message: 'Step'});
}

/** Run the step, and keep in the reader's progress that they did (and a check's verdict). */
function run(lesson: string | undefined, anchor: string, text: string, consoleIndex: ConsoleIndex): void {
  if (lesson !== undefined) {
    progress.ran(lesson, anchor);
    reportPageProgress(consoleIndex, {lesson, step: anchor, event: 'ran'});
    if (isCheck(anchor)) {
      watchVerdict(consoleIndex, (pass) => {
        progress.checked(lesson, anchor, pass);
        reportPageProgress(consoleIndex, {lesson, step: anchor, event: pass ? 'passed' : 'not-yet'});
      });
    }
  }
  runInPageConsole(text, consoleIndex);
}

function RunButton({anchor, text, consoleIndex}: {readonly anchor: string; readonly text: string; readonly consoleIndex: ConsoleIndex}): ReactNode {
  // Rendered without a terminal on the server; shown once one registers.
  const ready = useSyncExternalStore(subscribeSessions, () => hasPageConsole(consoleIndex), () => false);
  const lesson = useLesson();
  if (!ready) return null;
  return (
    <button
      type="button"
      className={clsx('button button--primary button--sm', styles.run)}
      title={translate({id: 'lab.run.title', message: 'Type these commands into the lab terminal'})}
      onClick={() => run(lesson, anchor, text, consoleIndex)}>
      <Translate id="lab.run">Run</Translate>
    </button>
  );
}

/** The reader ran this step before (in this browser), or its check said PASS. */
function StepMark({state}: {readonly state: 'ran' | 'passed'}): ReactNode {
  const label =
    state === 'passed'
      ? translate({id: 'progress.step.passed', message: 'Passed'})
      : translate({id: 'progress.step.ran', message: 'Run before'});
  return (
    <span className={clsx(styles.mark, state === 'passed' && styles.markPassed)} title={label}>
      ✓<span className={styles.markText}> {label}</span>
    </span>
  );
}

/** A runnable step: a transcript with an anchor and a Run button. */
function StepFrame({anchor, run, consoleIndex, title, className, pre}: {
  readonly anchor: string;
  readonly run: string;
  readonly consoleIndex: ConsoleIndex;
  readonly title: string | undefined;
  readonly className: string | undefined;
  readonly pre: ComponentProps<'pre'>;
}): ReactNode {
  useBrokenLinks().collectAnchor(anchor);
  const done = useLessonProgress(useLesson());
  const state = anchor in done.passed ? 'passed' : anchor in done.ran ? 'ran' : undefined;
  return (
    <figure id={anchor} className={clsx(styles.frame, styles.step)} data-step={anchor} data-console={consoleIndex} data-progress={state}>
      <figcaption className={clsx(styles.title, styles.stepBar)}>
        <a className={styles.stepLink} href={`#${anchor}`}>
          {title ?? stepLabel(anchor)}
          {consoleIndex === 1 && ` · ${translate({id: 'lab.step.secondTerminal', message: 'second terminal'})}`}
        </a>
        {state && <StepMark state={state} />}
        <RunButton anchor={anchor} text={run} consoleIndex={consoleIndex} />
      </figcaption>
      <div className={styles.body}>
        <pre className={clsx(className, styles.pre)} {...pre} />
        <CopyButton className={styles.copy} text={() => run} />
      </div>
    </figure>
  );
}

export default function CodeFrame({
  'data-title': title,
  'data-step': step,
  'data-run': run,
  'data-console': consoleIndex,
  className,
  ...pre
}: Props): ReactNode {
  const ref = useRef<HTMLPreElement>(null);
  if (step !== undefined && run !== undefined) {
    return <StepFrame anchor={step} run={run} consoleIndex={consoleIndex === '1' ? 1 : 0} title={title} className={className} pre={pre} />;
  }
  return (
    <figure className={styles.frame}>
      {title !== undefined && <figcaption className={styles.title}>{title}</figcaption>}
      <div className={styles.body}>
        <pre ref={ref} className={clsx(className, styles.pre)} {...pre} />
        {/* The DOM text is exactly the code: shiki joins its lines with "\n". */}
        <CopyButton className={styles.copy} text={() => ref.current?.textContent ?? ''} />
      </div>
    </figure>
  );
}

/*
 * The six lessons as cards, for the front page, with the reader's progress
 * kept in this browser (src/components/Progress): where to continue, a mark
 * on each lesson started or done, and a way to forget it all. The list is
 * written out (not read from the sidebar) because the front page is a plain
 * page with no docs context; the slugs are the stable ones the sidebar also
 * uses, and a wrong one fails the build as a broken link.
 */
import type {ReactNode} from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import {useAllDocsData} from '@docusaurus/plugin-content-docs/client';
import {progress, useProgress} from '@site/src/components/Progress';
import {lessonState, type LastStep} from '@site/src/components/Progress/store';
import styles from './styles.module.css';

interface Lesson {
  readonly to: string;
  readonly title: string;
  readonly summary: string;
}

function lessons(): readonly Lesson[] {
  return [
    {
      to: '/syscall',
      title: translate({id: 'home.lesson.syscall.title', message: 'System call'}),
      summary: translate({
        id: 'home.lesson.syscall.summary',
        message: 'The program asks, the kernel answers: the door every other mechanism goes through.',
      }),
    },
    {
      to: '/signal',
      title: translate({id: 'home.lesson.signal.title', message: 'Signal'}),
      summary: translate({
        id: 'home.lesson.signal.summary',
        message: 'The kernel interrupts a process to tell it something happened.',
      }),
    },
    {
      to: '/mmap',
      title: translate({id: 'home.lesson.mmap.title', message: 'Shared memory (mmap)'}),
      summary: translate({
        id: 'home.lesson.mmap.summary',
        message: 'The same page seen by the kernel and by the program, with no copy in between.',
      }),
    },
    {
      to: '/ioctl',
      title: translate({id: 'home.lesson.ioctl.title', message: 'ioctl'}),
      summary: translate({
        id: 'home.lesson.ioctl.summary',
        message: 'Numbered commands to a device driver, each with its own argument.',
      }),
    },
    {
      to: '/netlink',
      title: translate({id: 'home.lesson.netlink.title', message: 'Netlink'}),
      summary: translate({
        id: 'home.lesson.netlink.summary',
        message: 'Messages over a socket, in both directions, to one process or to many.',
      }),
    },
    {
      to: '/procfs-sysfs',
      title: translate({id: 'home.lesson.procfs-sysfs.title', message: 'procfs and sysfs'}),
      summary: translate({
        id: 'home.lesson.procfs-sysfs.summary',
        message: 'Files that are not on any disk: read one to ask the kernel, write one to tell it.',
      }),
    },
  ];
}

/** A lesson's doc id: its slug without the slash (test/site/progress.test.ts checks that they agree). */
const docId = (to: string): string => to.slice(1);

/** "Continue where you left off": the last step the reader ran, on its page in this locale. */
function Continue({last}: {readonly last: LastStep}): ReactNode {
  const docs = useAllDocsData().default?.versions[0]?.docs ?? [];
  const path = docs.find((d) => d.id === last.lesson)?.path;
  if (!path) return null;
  const title = lessons().find((l) => docId(l.to) === last.lesson)?.title ?? last.lesson;
  return (
    <Link className={clsx('button button--primary', styles.continue)} to={`${path}#${last.anchor}`} data-continue={last.lesson}>
      <Translate id="progress.continue" values={{lesson: title}}>
        {'Continue where you left off: {lesson}'}
      </Translate>
    </Link>
  );
}

function forget(): void {
  const sure = window.confirm(
    translate({id: 'progress.clear.confirm', message: 'Forget which steps you ran and which checks passed, in every lesson?'}),
  );
  if (sure) progress.clear();
}

export default function LessonList(): ReactNode {
  const kept = useProgress();
  return (
    <>
      {kept.last && (
        <div className={styles.progress}>
          <Continue last={kept.last} />
          <button type="button" className="button button--link" onClick={forget}>
            <Translate id="progress.clear">Clear my progress</Translate>
          </button>
        </div>
      )}
      <ol className={styles.grid}>
        {lessons().map((lesson) => {
          const state = lessonState(kept.lessons[docId(lesson.to)]);
          return (
            <li key={lesson.to}>
              <Link className={styles.card} to={lesson.to} data-progress={state}>
                <strong className={clsx(styles.title, state !== 'new' && styles[state])}>{lesson.title}</strong>
                <span>{lesson.summary}</span>
              </Link>
            </li>
          );
        })}
      </ol>
    </>
  );
}

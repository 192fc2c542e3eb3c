/*
 * The six lessons as cards, for the front page. The list is written out
 * (not read from the sidebar) because the front page is a plain page with
 * no docs context; the slugs are the stable ones the sidebar also uses,
 * and a wrong one fails the build as a broken link.
 */
import type {ReactNode} from 'react';
import Link from '@docusaurus/Link';
import {translate} from '@docusaurus/Translate';
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

export default function LessonList(): ReactNode {
  return (
    <ol className={styles.grid}>
      {lessons().map((lesson) => (
        <li key={lesson.to}>
          <Link className={styles.card} to={lesson.to}>
            <strong className={styles.title}>{lesson.title}</strong>
            <span>{lesson.summary}</span>
          </Link>
        </li>
      ))}
    </ol>
  );
}

/*
 * Docusaurus' sidebar link (theme-classic), wrapped: a lesson the reader has
 * started or finished in this browser gets a mark (src/components/Progress).
 * The original draws the link; the wrapper only adds a class to its item and
 * an attribute to the link.
 */
import type {ReactNode} from 'react';
import clsx from 'clsx';
import Link from '@theme-original/DocSidebarItem/Link';
import type {Props} from '@theme/DocSidebarItem/Link';
import {useLessonProgress} from '@site/src/components/Progress';
import {lessonState} from '@site/src/components/Progress/store';
import styles from './styles.module.css';

export default function DocSidebarItemLink(props: Props): ReactNode {
  const {item} = props;
  const state = lessonState(useLessonProgress(item.docId));
  if (state === 'new') return <Link {...props} />;
  return (
    <Link
      {...props}
      item={{...item, className: clsx(item.className, state === 'done' ? styles.done : styles.started)}}
      data-progress={state}
    />
  );
}

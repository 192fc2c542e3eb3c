/*
 * The box at the top of a lesson: what the reader will be able to do, what
 * to know first and how long the page takes, from the page's front matter
 * (objectives, prerequisites, time; site/lesson-front-matter.ts checks them
 * at build time). Rendered by src/theme/DocItem/Content between the title and
 * the first paragraph, so a page needs no line of its own for it.
 *
 * Prerequisite lessons are doc ids, shown as links with the lesson's title
 * in the current locale; the knowledge items are written in the page's
 * own language in its front matter. In objectives and knowledge, `…` is
 * code, as in Markdown (front matter is not Markdown, so that is all).
 */
import type {ReactNode} from 'react';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import {useActiveVersion, useDocById} from '@docusaurus/plugin-content-docs/client';
import styles from './styles.module.css';

export interface LessonGoalsProps {
  readonly objectives: readonly string[];
  readonly lessons: readonly string[];
  readonly knowledge: readonly string[];
  /** "<minutes> min", as in front matter. */
  readonly time: string;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * The box's fields from a doc's front matter, or undefined for a page
 * without them (the overview, the glossary). The build has already refused
 * a lesson whose fields are missing or malformed.
 */
export function lessonGoalsFrom(frontMatter: Record<string, unknown>): LessonGoalsProps | undefined {
  const {objectives, prerequisites, time} = frontMatter;
  if (!isStrings(objectives) || typeof time !== 'string') return undefined;
  const p = (typeof prerequisites === 'object' && prerequisites !== null ? prerequisites : {}) as Record<string, unknown>;
  return {
    objectives,
    time,
    lessons: isStrings(p.lessons) ? p.lessons : [],
    knowledge: isStrings(p.knowledge) ? p.knowledge : [],
  };
}

/** A front matter string with `code` spans, the only Markdown it may use. */
function Text({children}: {children: string}): ReactNode {
  return children.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}

function LessonLink({id}: {id: string}): ReactNode {
  const doc = useDocById(id);
  const path = useActiveVersion(undefined)?.docs.find((d) => d.id === id)?.path;
  const title = path ? <Link to={path}>{doc.title}</Link> : doc.title;
  return (
    <Translate id="lessonGoals.prerequisiteLesson" values={{title}}>
      {'read {title} first'}
    </Translate>
  );
}

export default function LessonGoals({objectives, lessons, knowledge, time}: LessonGoalsProps): ReactNode {
  const minutes = /^\d+/.exec(time)?.[0] ?? time;
  return (
    <aside
      className={styles.box}
      aria-label={translate({id: 'lessonGoals.label', message: 'About this lesson'})}
      data-lesson-goals="">
      <div className={styles.objectives}>
        <p className={styles.heading}>
          <Translate id="lessonGoals.objectives">After this lesson you can</Translate>
        </p>
        <ul className={styles.list}>
          {objectives.map((o) => (
            <li key={o}>
              <Text>{o}</Text>
            </li>
          ))}
        </ul>
      </div>
      <div className={styles.side}>
        <p className={styles.heading}>
          <Translate id="lessonGoals.time">Time</Translate>
        </p>
        <p className={styles.time} data-minutes={minutes}>
          <Translate id="lessonGoals.minutes" values={{minutes}}>
            {'about {minutes} minutes, steps and exercises included'}
          </Translate>
        </p>
        <p className={styles.heading}>
          <Translate id="lessonGoals.prerequisites">Before you start</Translate>
        </p>
        <ul className={styles.list}>
          {lessons.map((id) => (
            <li key={id}>
              <LessonLink id={id} />
            </li>
          ))}
          {knowledge.map((k) => (
            <li key={k}>
              <Text>{k}</Text>
            </li>
          ))}
        </ul>
      </div>
    </aside>
  );
}

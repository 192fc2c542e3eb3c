/*
 * The reader's progress on the page: one store for the whole site (in this
 * browser's localStorage, store.ts), the lesson a page belongs to (given by
 * DocItem/Content), and the hooks the steps, the sidebar and the lesson list
 * read it with.
 */
import {createContext, useContext, useSyncExternalStore} from 'react';
import ExecutionEnvironment from '@docusaurus/ExecutionEnvironment';
import {browserStorage} from '../browser-storage.ts';
import {ProgressStore, type LessonProgress, type Progress} from './store.ts';

export const progress = new ProgressStore(browserStorage());

if (ExecutionEnvironment.canUseDOM) window.addEventListener('storage', () => progress.changedElsewhere());

const NOTHING: Progress = {lessons: {}};
const NO_LESSON: LessonProgress = {ran: {}, passed: {}};

/** The lesson (doc id) of the page being shown, for its steps; undefined outside the lessons. */
export const LessonContext = createContext<string | undefined>(undefined);

export function useLesson(): string | undefined {
  return useContext(LessonContext);
}

export function useProgress(): Progress {
  // Nothing on the server: the static page is the same for every reader.
  return useSyncExternalStore(progress.subscribe, progress.get, () => NOTHING);
}

export function useLessonProgress(lesson: string | undefined): LessonProgress {
  const all = useProgress();
  return (lesson !== undefined && all.lessons[lesson]) || NO_LESSON;
}

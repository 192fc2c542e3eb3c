// The reader's progress, kept in the browser (src/components/Progress): the
// store on a made-up Storage, the check verdicts read from terminal output,
// and the doc ids the front page's lesson list keys progress by.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../lab/paths.ts';
import { lessonState, parseProgress, PROGRESS_KEY, ProgressStore, type ProgressStorage } from '../../src/components/Progress/store.ts';
import { verdict } from '../../src/components/Progress/verdict.ts';
import { MemoryStorage, REFUSING_STORAGE } from '../helpers/memory-storage.ts';


test('steps run and checks passed are kept per lesson, with the last step run', () => {
  const storage = new MemoryStorage();
  let now = 1000;
  const store = new ProgressStore(storage, () => now);
  let told = 0;
  store.subscribe(() => told++);
  store.ran('ioctl', 'step-load');
  now = 2000;
  store.ran('ioctl', 'exercise-1-check');
  store.checked('ioctl', 'exercise-1-check', true);
  store.ran('signal', 'step-load');
  assert.equal(told, 4);
  assert.deepEqual(store.lesson('ioctl'), { ran: { 'step-load': 1000, 'exercise-1-check': 2000 }, passed: { 'exercise-1-check': 2000 } });
  assert.deepEqual(store.get().last, { lesson: 'signal', anchor: 'step-load', at: 2000 });
  // Another store on the same storage (another tab, a reload) reads the same.
  assert.deepEqual(new ProgressStore(storage).get(), store.get());
  // The same object until something changes, as React's useSyncExternalStore needs.
  assert.equal(store.get(), store.get());
  store.checked('ioctl', 'exercise-1-check', false);
  assert.deepEqual(store.lesson('ioctl').passed, {}, 'a NOT YET after a PASS takes the pass back');
  store.clear();
  assert.deepEqual(store.get(), { lessons: {} });
  assert.equal(storage.items.has(PROGRESS_KEY), false);
});

test('a lesson is done when every step but the solutions has run and every check passed', () => {
  const steps = ['step-load', 'exercise-1-check', 'exercise-1-solution'];
  assert.equal(lessonState(undefined), 'new');
  assert.equal(lessonState({ ran: {}, passed: {}, steps }), 'new');
  assert.equal(lessonState({ ran: { 'step-load': 1 }, passed: {}, steps }), 'started');
  assert.equal(lessonState({ ran: { 'step-load': 1, 'exercise-1-check': 2 }, passed: {}, steps }), 'started', 'the check has not passed');
  assert.equal(lessonState({ ran: { 'step-load': 1, 'exercise-1-check': 2 }, passed: { 'exercise-1-check': 2 }, steps }), 'done');
  assert.equal(lessonState({ ran: { 'step-load': 1 }, passed: {} }), 'started', 'not done while the page has not said what its steps are');
});

test('steps the page shows are kept only when they change', () => {
  const storage = new MemoryStorage();
  const store = new ProgressStore(storage);
  let told = 0;
  store.subscribe(() => told++);
  store.steps('hello', ['step-a', 'step-b']);
  store.steps('hello', ['step-a', 'step-b']);
  assert.equal(told, 1);
  assert.deepEqual(store.lesson('hello').steps, ['step-a', 'step-b']);
});

test('what is not progress is read as none: another format, a hand edit, no storage at all', () => {
  assert.deepEqual(parseProgress('not json'), { lessons: {} });
  assert.deepEqual(parseProgress('{"lessons": {"a": {"ran": {"x": "yesterday"}, "passed": {}}}}'), { lessons: {} });
  assert.deepEqual(parseProgress('{"lessons": {}, "last": {"lesson": 3}}'), { lessons: {} });
  const refusing = REFUSING_STORAGE;
  const store = new ProgressStore(refusing);
  store.ran('hello', 'step-load');
  assert.deepEqual(store.get(), { lessons: {} });
  assert.deepEqual(new ProgressStore(undefined).get(), { lessons: {} });
});

test("a check's verdict is its PASS or NOT YET line, through the terminal's colours and line ends", () => {
  assert.equal(verdict('$ ./check.sh 1\r\n'), undefined);
  assert.equal(verdict('$ ./check.sh 1\r\nPASS: hello is loaded with whom=world and times=2\r\nlab:/lab/hello# '), true);
  assert.equal(verdict('$ ./check.sh 1\r\n\x1b[1mNOT YET:\x1b[0m hello is not loaded\r\n'), false);
  assert.equal(verdict('echo PASS: no\r\n'), undefined, 'only at the start of a line');
});

test("the front page's lessons are doc ids, each the slug without its slash", () => {
  const list = readFileSync(join(REPO_ROOT, 'src/components/LessonList/index.tsx'), 'utf8');
  const slugs = [...list.matchAll(/to: '(\/[a-z-]+)'/g)].map((m) => m[1]!);
  assert.equal(slugs.length, 6);
  for (const slug of slugs) {
    const mdx = readFileSync(join(REPO_ROOT, 'docs', `${slug.slice(1)}.mdx`), 'utf8');
    assert.match(mdx, new RegExp(`^id: ${slug.slice(1)}$`, 'm'));
    assert.match(mdx, new RegExp(`^slug: ${slug}$`, 'm'));
  }
});

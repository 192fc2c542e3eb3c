// The editor's memory of a learner's edits (src/components/LabEditor/store.ts),
// on a fake localStorage: per lesson, only what differs, and nothing lost
// when the browser refuses to store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EditStore, type StorageLike } from '../../src/components/LabEditor/store.ts';
import { MemoryStorage, REFUSING_STORAGE } from '../helpers/memory-storage.ts';


const LESSON = [
  { name: 'ioctl_example.c', text: 'module\n' },
  { name: 'user_program.c', text: 'program\n' },
];

test('an edit survives a reload of the page, per lesson; other lessons are untouched', () => {
  const storage = new MemoryStorage();
  const a = new EditStore('ioctl', LESSON, storage);
  a.set('ioctl_example.c', 'changed\n');
  const again = new EditStore('ioctl', LESSON, storage);
  assert.equal(again.text('ioctl_example.c'), 'changed\n');
  assert.deepEqual(again.edited, ['ioctl_example.c']);
  assert.equal(new EditStore('mmap', [{ name: 'ioctl_example.c', text: 'module\n' }], storage).text('ioctl_example.c'), 'module\n');
  assert.deepEqual(again.files(), [
    { name: 'ioctl_example.c', text: 'changed\n' },
    { name: 'user_program.c', text: 'program\n' },
  ]);
});

test('a revert, or an edit undone by hand, leaves nothing stored', () => {
  const storage = new MemoryStorage();
  const s = new EditStore('ioctl', LESSON, storage);
  s.set('user_program.c', 'x');
  s.set('ioctl_example.c', 'y');
  s.revert('ioctl_example.c');
  assert.deepEqual(JSON.parse(storage.items.get('uklab.edits.ioctl') ?? '{}'), { 'user_program.c': 'x' });
  s.set('user_program.c', 'program\n');
  assert.equal(storage.items.size, 0);
});

test('stored edits of files the lesson no longer has, or junk, are ignored', () => {
  const storage = new MemoryStorage();
  storage.setItem('uklab.edits.ioctl', JSON.stringify({ 'gone.c': 'old', 'ioctl_example.c': 42 }));
  const s = new EditStore('ioctl', LESSON, storage);
  assert.deepEqual(s.edited, []);
  storage.setItem('uklab.edits.ioctl', 'not json');
  assert.deepEqual(new EditStore('ioctl', LESSON, storage).edited, []);
  s.set('gone.c', 'x');
  assert.deepEqual(s.names, ['ioctl_example.c', 'user_program.c']);
});

test('a browser that refuses storage keeps the edits for the page', () => {
  const refusing = REFUSING_STORAGE;
  const s = new EditStore('ioctl', LESSON, refusing);
  s.set('ioctl_example.c', 'kept\n');
  assert.equal(s.text('ioctl_example.c'), 'kept\n');
  assert.equal(s.isEdited('ioctl_example.c'), true);
});

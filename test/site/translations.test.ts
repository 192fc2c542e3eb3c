// The Chinese locale is complete for our own UI strings: every translate()
// and <Translate id> in src/ has an entry in i18n/zh-Hans/code.json (the
// theme's own strings come translated with Docusaurus).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../lab/paths.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

test('every UI string id used in src/ has a zh-Hans translation', () => {
  const ids = new Set<string>();
  for (const file of sources(path.join(REPO_ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/translate\(\s*\{\s*id:\s*'([^']+)'/g)) ids.add(m[1]!);
    for (const m of text.matchAll(/<Translate\s+id="([^"]+)"/g)) ids.add(m[1]!);
  }
  assert.ok(ids.size > 20, `found only ${ids.size} ids: is the pattern still right?`);
  const zh = JSON.parse(readFileSync(path.join(REPO_ROOT, 'i18n/zh-Hans/code.json'), 'utf8')) as Record<string, { message: string }>;
  const missing = [...ids].filter((id) => !zh[id]?.message).sort();
  assert.deepEqual(missing, [], 'add these to i18n/zh-Hans/code.json');
});

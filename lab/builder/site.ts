// The built site (Docusaurus output in build/), rebuilt when any of its
// inputs is newer than it. kernel/ is an input: lessons include its files;
// so is the tab lab's folder, which the site copies (site/tab-assets.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, currentTabLab } from '../paths.ts';

export const SITE_ROOT = join(REPO_ROOT, 'build');
const SITE_INPUTS = ['docusaurus.config.ts', 'sidebars.ts', 'site', 'docs', 'src', 'i18n', 'static', 'kernel', 'package.json'];

function newestMtime(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Build the site (both locales) when build/ is missing or older than any input; false if the build failed. */
export function ensureSite(): boolean {
  const built = join(SITE_ROOT, 'index.html');
  const inputs = Math.max(...[...SITE_INPUTS.map((p) => join(REPO_ROOT, p)), currentTabLab()].map(newestMtime));
  if (existsSync(built) && statSync(built).mtimeMs >= inputs) return true;
  console.log('site: building (docusaurus build, English and Chinese) ...');
  const r = spawnSync('npx', ['docusaurus', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  return r.status === 0;
}

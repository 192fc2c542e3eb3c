// The version of the installed v86 package: the saved state, the wasm and
// the page's bundle must all come from one (lab/builder/tab-lab.ts keys the
// tab lab by it, site/tab-assets.ts refuses a tab lab of another).
import { createRequire } from 'node:module';

export function v86Version(): string {
  return (createRequire(import.meta.url)('v86/package.json') as { version: string }).version;
}

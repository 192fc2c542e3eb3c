// The built lab for tests: `npm test` builds it first (pretest), so here it
// only comes from the cache (building if someone runs one file by hand).
import { buildLab, type Lab } from '../../lab/build/lab.ts';

let lab: Promise<Lab> | undefined;

export function testLab(): Promise<Lab> {
  lab ??= buildLab({ quiet: true });
  return lab;
}

// npm run bench [-- vm|server|class|page|tab|build|roundtrip] [--cold-build] [--write]: the
// project's performance targets, measured, as tables. With no name, every
// table. `roundtrip --write` also updates kernel/compare/measured.json.
import { buildLab } from '../lab/builder/lab.ts';
import { buildTabLab } from '../lab/builder/tab-lab.ts';
import { benchBuild } from './build.ts';
import { benchClass } from './class.ts';
import { benchLabVM } from './lab-vm.ts';
import { benchPage } from './page.ts';
import { benchServer } from './server.ts';
import { benchTab } from './tab.ts';
import { benchRoundTrip } from './roundtrip.ts';
import { printTable } from './table.ts';

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const wanted = (name: string): boolean => only.length === 0 || only.includes(name);

const lab = await buildLab({ quiet: true });
console.log(`bench: Linux ${lab.kernel.info.release}, ${process.env.BENCH_BOOTS ?? 15} boots per figure`);
if (wanted('vm')) printTable('Lab VM (issue 2)', await benchLabVM(lab, { coldBuild: args.includes('--cold-build') }));
if (wanted('server')) printTable('Lab server (issue 4)', await benchServer(lab));
if (wanted('class')) printTable('A class starting at once (issue 15)', await benchClass(lab));
if (wanted('page')) printTable('Lesson page in Chromium (issues 4, 5)', await benchPage(lab));
if (wanted('build')) printTable("Learners' builds (issue 12)", await benchBuild(lab));
if (wanted('tab')) printTable('The lab in the reader\'s tab (issue 11)', await benchTab(await buildTabLab({ quiet: true })));
if (wanted('roundtrip')) {
  printTable('Round trips through each mechanism (issue 14)', await benchRoundTrip(lab, { write: args.includes('--write') }));
}

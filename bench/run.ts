// npm run bench [-- --cold-build]: every performance target of the project, measured, as tables.
import { buildLab } from '../lab/build/lab.ts';
import { benchLabVM } from './lab-vm.ts';
import { benchServer } from './server.ts';
import { printTable } from './table.ts';

const lab = await buildLab({ quiet: true });
const coldBuild = process.argv.includes('--cold-build');
console.log(`bench: Linux ${lab.kernel.info.release}, ${process.env.BENCH_BOOTS ?? 15} boots per figure`);
printTable('Lab VM (issue 2)', await benchLabVM(lab, { coldBuild }));
printTable('Lab server (issue 4)', await benchServer(lab));

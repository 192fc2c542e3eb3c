// Kbuild's compiler probes answered from a recorded table
// (lab/build/kbuild-probes.ts), against the real lab kernel tree and
// compiler: the table is what a full run of the probes answers, the build
// reads it, and a module built from it is the module built without it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memoArgs, probeTable, recordingArgs } from '../../lab/build/kbuild-probes.ts';
import { LessonBuilder } from '../../lab/build/lesson-build.ts';
import { hostToolchain } from '../../lab/builder/image.ts';
import type { Lab } from '../../lab/builder/lab.ts';
import { KERNEL_EXAMPLES_DIR } from '../../lab/paths.ts';
import { UNPRIVILEGED } from '../../lab/vm/unprivileged.ts';
import { testLab } from '../helpers/lab.ts';

test('a table is made only from a log of recorded probes', () => {
  assert.equal(probeTable('1\tgcc -a\n0\tgcc -b\n'), '@@Pgcc -a@@Fgcc -b@@');
  assert.equal(probeTable(''), undefined);
  assert.equal(probeTable('yes\tgcc -a\n'), undefined);
  assert.equal(probeTable('1\tgcc @@ -a\n'), undefined);
  assert.throws(() => memoArgs('/build/x y'), /bad table path/);
});

let lab: Lab;
let dir: string;
before(async () => {
  lab = await testLab();
  dir = mkdtempSync(join(tmpdir(), 'uklab-probes-'));
  cpSync(join(KERNEL_EXAMPLES_DIR, 'ioctl'), join(dir, 'ioctl'), { recursive: true });
  // The lesson's Makefile includes ../lab.mk, as in kernel/.
  cpSync(join(KERNEL_EXAMPLES_DIR, 'lab.mk'), join(dir, 'lab.mk'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Kbuild with its probes recorded, then answered from the table', () => {
  const lesson = (): string => join(dir, 'ioctl');
  /** `make M=… modules V=1` with these assignments: the command that compiled the module's object. */
  const compile = (args: string[]): string => {
    const now = new Date();
    utimesSync(join(lesson(), 'ioctl_example.c'), now, now);
    const out = execFileSync('make', ['-C', lab.kernel.tree, `M=${lesson()}`, 'modules', 'V=1', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const line = out.split('\n').find((l) => /\bgcc\b.* -c -o .*ioctl_example\.o /.test(l));
    assert.ok(line, `make compiled the module:\n${out.slice(-2000)}`);
    return line;
  };

  test('the table answers as the probes do: the same compiler command; a table of failures gives another', () => {
    const log = join(dir, 'probes.log');
    const recorded = compile(recordingArgs(log));
    const table = probeTable(readFileSync(log, 'utf8'));
    assert.ok(table, 'the probes were recorded');
    const entries = table.split('@@').filter(Boolean);
    assert.ok(entries.length >= 10, `${entries.length} probes recorded`);
    assert.ok(entries.some((e) => e.startsWith('P')) && entries.some((e) => e.startsWith('F')), 'some pass, some fail');
    const file = join(dir, 'probes');
    writeFileSync(file, table);
    assert.equal(compile(memoArgs(file)), recorded, 'the same flags from the table');
    // Proof that the build reads the table: every probe said to fail drops flags.
    writeFileSync(file, `@@${entries.map((e) => `F${e.slice(1)}`).join('@@')}@@`);
    assert.notEqual(compile(memoArgs(file)), recorded);
  });
});

test('LessonBuilder: a module built after the probes were recorded is the module a fresh builder makes', { timeout: 120_000 }, async () => {
  const target = { toolchain: hostToolchain(), kdir: lab.kernel.tree, kernelKey: lab.kernel.key };
  const runAs = process.getuid?.() === 0 ? UNPRIVILEGED : undefined;
  const text = readFileSync(join(KERNEL_EXAMPLES_DIR, 'ioctl', 'ioctl_example.c'), 'utf8').replace('My device initialized', 'My device, probed, initialized');
  const warm = new LessonBuilder(target, { runAs });
  assert.equal(warm.answersProbes, false);
  assert.equal((await warm.build('ioctl', [])).ok, true);
  assert.equal(warm.answersProbes, true, 'the first build recorded the probes');
  const fromTable = await warm.build('ioctl', [{ name: 'ioctl_example.c', text }]);
  const fresh = await new LessonBuilder(target, { runAs }).build('ioctl', [{ name: 'ioctl_example.c', text }]);
  assert.equal(fromTable.ok && fresh.ok, true, fromTable.log + fresh.log);
  assert.deepEqual(fromTable.artefacts.map((a) => [a.name, a.sha256]), fresh.artefacts.map((a) => [a.name, a.sha256]));
});

// The build sandbox for real: bubblewrap, prlimit and, as root, a user of
// the build's own, around Kbuild and the image's compiler against the lab
// kernel's tree. First what the sandbox lets a build see and do, by running
// commands in it; then the lessons' builds through LessonBuilder, which
// is what the lab server runs for a learner.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LessonBuilder } from '../../lab/build/lesson-build.ts';
import { BUILD_LIMITS, runSandboxed, type SandboxLimits, type SandboxSpec } from '../../lab/build/sandbox.ts';
import { hostToolchain } from '../../lab/builder/image.ts';
import type { Lab } from '../../lab/builder/lab.ts';
import { KERNEL_EXAMPLES_DIR } from '../../lab/paths.ts';
import { UNPRIVILEGED } from '../../lab/vm/unprivileged.ts';
import { testLab } from '../helpers/lab.ts';

const asRoot = process.getuid?.() === 0;
const runAs = asRoot ? UNPRIVILEGED : undefined;
let lab: Lab;
let host: string;

before(async () => {
  lab = await testLab();
  host = mkdtempSync(join(tmpdir(), 'uklab-sandbox-test-'));
});
after(() => rmSync(host, { recursive: true, force: true }));

/** Run a shell script in the sandbox as a build would be, with the lab kernel's tree bound. */
async function inSandbox(script: string, limits: Partial<SandboxLimits> = {}) {
  const out = mkdtempSync(join(host, 'out-'));
  const file = join(host, `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  const spec: SandboxSpec = {
    readOnly: [lab.kernel.tree],
    files: [{ path: '/build/script.sh', host: file }],
    dirs: ['/build/work'],
    work: '/build',
    out,
    cwd: '/build/work',
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
    argv: ['sh', '/build/script.sh'],
  };
  const r = await runSandboxed(spec, { ...BUILD_LIMITS, ...limits }, runAs);
  return { ...r, out };
}

describe('what a build can see and do', () => {
  test("the host's files are not there: /etc, /home, /tmp, the repository, the rest of the cache", async () => {
    const secret = join(host, 'secret');
    writeFileSync(secret, 'the host\'s\n');
    const paths = ['/etc/passwd', '/etc/shadow', '/home', secret, KERNEL_EXAMPLES_DIR, join(lab.kernel.tree, '..', '..', '..', 'image')];
    const r = await inSandbox(paths.map((f) => `if [ -e '${f}' ]; then echo 'visible: ${f}'; else echo 'absent: ${f}'; fi`).join('\n'));
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /visible/);
    assert.equal(r.output.match(/absent/g)?.length, paths.length);
  });

  test('no network but loopback, its own pids, and not root when the server is', async () => {
    const r = await inSandbox('ls /sys/class/net 2>/dev/null || cat /proc/net/dev; echo "pid $$"; echo "uid $(id -u)"; ls /proc | grep -c "^[0-9]"');
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /eth|ens|enp|wl/);
    assert.match(r.output, /pid [12]\n/, 'the script is (almost) the first process of its own pid namespace');
    const uid = Number(/uid (\d+)/.exec(r.output)?.[1]);
    if (asRoot) assert.ok(uid >= UNPRIVILEGED.uidBase, `the build ran as uid ${uid}`);
    const pids = Number(r.output.trim().split('\n').at(-1));
    assert.ok(pids < 10, `${pids} processes are visible`);
  });

  test('the kernel tree and the toolchain are read-only; only the work folder and /out take writes', async () => {
    const r = await inSandbox(
      [
        `touch ${lab.kernel.tree}/owned 2>/dev/null && echo "wrote the tree"`,
        'touch /usr/bin/owned 2>/dev/null && echo "wrote /usr"',
        'echo made >/build/work/file && cp /build/work/file /out/file && echo "wrote work and out"',
      ].join('\n'),
    );
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.trim(), 'wrote work and out');
    assert.equal(readFileSync(join(r.out, 'file'), 'utf8'), 'made\n');
  });

  test('a build that forks without end is held to its process limit and stopped', async () => {
    const r = await inSandbox('bomb() { bomb | bomb & }; bomb; sleep 60', { wallMs: 5000, processes: 32 });
    assert.ok(r.timedOut || r.code !== 0);
    const check = await inSandbox('echo alive');
    assert.equal(check.output.trim(), 'alive', 'the next build runs as usual');
  });

  test('a huge file stops at the file size limit; a hung build at the wall clock', async () => {
    const big = await inSandbox('head -c 4194304 /dev/zero >/build/work/big; echo "status $?"; ls -l /build/work/big', { fileSize: 1024 * 1024 });
    assert.match(big.output, /status [1-9]/);
    assert.match(big.output, / 1048576 /, 'the file was cut at the limit');
    const hung = await inSandbox('sleep 30', { wallMs: 500 });
    assert.equal(hung.timedOut, true);
    assert.ok(hung.ms < 5000, `stopped after ${hung.ms} ms`);
  });

  test('output past the limit is counted, not kept', async () => {
    const r = await inSandbox('yes lab | head -c 200000', { outputBytes: 1000 });
    assert.equal(r.output.length, 1000);
    assert.equal(r.droppedBytes, 199_000);
  });
});

describe("a lesson's build", () => {
  let builder: LessonBuilder;
  before(() => {
    builder = new LessonBuilder({ toolchain: hostToolchain(), kdir: lab.kernel.tree, kernelKey: lab.kernel.key }, { runAs });
  });

  test('the lesson as it is builds its module and program, stripped, like the image; the second time from the cache', async () => {
    const r = await builder.build('ioctl', []);
    assert.equal(r.ok, true, r.log);
    assert.deepEqual(r.artefacts.map((a) => a.name), ['ioctl_example.ko', 'user_program']);
    const ko = r.artefacts[0]!.data;
    assert.equal(ko.subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.ok(!ko.includes('.debug_info'), 'the module is stripped of debug info');
    assert.equal(r.cached, false);
    const again = await builder.build('ioctl', []);
    assert.equal(again.cached, true);
    assert.equal(again.key, r.key);
    assert.deepEqual(again.artefacts.map((a) => a.sha256), r.artefacts.map((a) => a.sha256));
  });

  test('a change to the module alone does not compile the program again: the same program comes back', async () => {
    const first = await builder.build('ioctl', []);
    const text = readFileSync(join(KERNEL_EXAMPLES_DIR, 'ioctl', 'ioctl_example.c'), 'utf8').replace('My device initialized', 'My device, changed, initialized');
    const r = await builder.build('ioctl', [{ name: 'ioctl_example.c', text }]);
    assert.equal(r.ok, true, r.log);
    assert.doesNotMatch(r.log, /-o user_program/, 'the program was not compiled');
    assert.equal(r.artefacts.find((a) => a.name === 'user_program')?.sha256, first.artefacts.find((a) => a.name === 'user_program')?.sha256);
    assert.notEqual(r.artefacts.find((a) => a.name.endsWith('.ko'))?.sha256, first.artefacts.find((a) => a.name.endsWith('.ko'))?.sha256);
    // A change to the header both include builds both.
    const header = `${readFileSync(join(KERNEL_EXAMPLES_DIR, 'ioctl', 'ioctl_example.h'), 'utf8')}/* changed */\n`;
    const both = await builder.build('ioctl', [{ name: 'ioctl_example.h', text: header }]);
    assert.match(both.log, /-o user_program/, 'the program was compiled again');
  });

  test('#include "/etc/passwd" fails with "No such file", pointed at the line', async () => {
    const r = await builder.build('ioctl', [{ name: 'ioctl_example.c', text: '#include "/etc/passwd"\n' }]);
    assert.equal(r.ok, false);
    assert.deepEqual(r.artefacts, []);
    assert.deepEqual(r.diagnostics[0], { file: 'ioctl_example.c', line: 1, column: 10, severity: 'error', message: '/etc/passwd: No such file or directory' });
  });

  test('an error in the user program is a diagnostic on its file; -Werror holds', async () => {
    const text = readFileSync(join(KERNEL_EXAMPLES_DIR, 'ioctl', 'user_program.c'), 'utf8').replace('int main(', 'static int unused;\nint main(');
    const r = await builder.build('ioctl', [{ name: 'user_program.c', text }]);
    assert.equal(r.ok, false);
    assert.ok(r.diagnostics.some((d) => d.file === 'user_program.c' && d.severity === 'error' && /unused/.test(d.message)), JSON.stringify(r.diagnostics));
  });

  test('a symbol the kernel does not export is refused by modpost', async () => {
    const text = readFileSync(join(KERNEL_EXAMPLES_DIR, 'hello', 'hello.c'), 'utf8').replace(/(static int __init \w+\(void\)\s*\{)/, '$1\n\textern void no_such_symbol(void);\n\tno_such_symbol();');
    const r = await builder.build('hello', [{ name: 'hello.c', text }]);
    assert.equal(r.ok, false, 'the build failed');
    assert.ok(r.diagnostics.some((d) => /modpost: "no_such_symbol".*undefined/.test(d.message)), r.log);
  });

  test('a source that makes the compiler eat without end is stopped at a limit, and said so', async () => {
    const r = await builder.build('hello', [{ name: 'hello.c', text: '#include "/dev/zero"\n' }]);
    assert.equal(r.ok, false);
    assert.match(r.limit ?? '', /memory|longer than|CPU/, r.log.slice(-500));
  });

  test("a file that is not the lesson's is refused before anything runs", async () => {
    assert.match(builder.refusal('ioctl', [{ name: 'other.c', text: '' }]) ?? '', /other\.c: not a file of this lesson/);
    assert.match(builder.refusal('nonesuch', []) ?? '', /no lesson/);
    assert.equal(builder.refusal('ioctl', [{ name: 'ioctl_example.h', text: '' }]), undefined);
    await assert.rejects(builder.build('ioctl', [{ name: 'Makefile.c', text: '' }]), /not a file of this lesson/);
  });

  test('the work folder is gone after a build', async () => {
    const before = new Set(listBuildDirs());
    await builder.build('ioctl', [{ name: 'ioctl_example.c', text: '/* changed */\n' + readFileSync(join(KERNEL_EXAMPLES_DIR, 'ioctl', 'ioctl_example.c'), 'utf8') }]);
    assert.deepEqual(listBuildDirs().filter((d) => !before.has(d)), []);
  });
});

function listBuildDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('uklab-build-'));
}

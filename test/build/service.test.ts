// The build service's decisions, on a fake builder and a fake VM: what is
// refused before anything runs, that a failed build never reaches the VM,
// that only changed files are sent, and that every outcome is one report.
// The real sandbox and a real VM are in sandbox.test.ts and
// test/server/build.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BuildQueue } from '../../lab/build/build-queue.ts';
import { BuildService, type BuildDestination, type BuildReport } from '../../lab/build/build-service.ts';
import type { LessonBuilder, LessonBuildResult } from '../../lab/build/lesson-build.ts';
import type { SourceFile } from '../../lab/protocol.ts';
import { PutError, type PutFile } from '../../lab/vm/control.ts';

type Builder = Pick<LessonBuilder, 'refusal' | 'known' | 'build'>;

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

function result(over: Partial<LessonBuildResult> = {}): LessonBuildResult {
  const ko = Buffer.from('a module');
  const prog = Buffer.from('a program');
  return {
    ok: true,
    key: 'k',
    diagnostics: [],
    log: 'built',
    artefacts: [
      { name: 'm.ko', data: ko, sha256: sha(ko), executable: false },
      { name: 'user_program', data: prog, sha256: sha(prog), executable: true },
    ],
    cached: false,
    ms: 5,
    ...over,
  };
}

/** A builder that builds what the test says, counting builds. */
function fakeBuilder(outcome: () => Promise<LessonBuildResult>): Builder & { builds: number } {
  const b = {
    builds: 0,
    refusal: (lesson: string, files: readonly SourceFile[]) => (lesson !== 'ioctl' ? `there is no lesson '${lesson}' to build` : files.some((f) => f.name === 'evil.c') ? 'evil.c: not a file of this lesson' : undefined),
    known: () => undefined,
    build: () => {
      b.builds++;
      return outcome();
    },
  };
  return b;
}

/** A VM that keeps what it is given, by path. */
class FakeVM implements BuildDestination {
  readonly files = new Map<string, { sha256: string; mode: number }>();
  fail?: string;
  async put(files: { file: PutFile; sha256: string }[]): Promise<string[]> {
    if (this.fail) throw new PutError(this.fail);
    const sent = files.filter((f) => this.files.get(f.file.path)?.sha256 !== f.sha256);
    for (const f of sent) this.files.set(f.file.path, { sha256: f.sha256, mode: f.file.mode });
    return sent.map((f) => f.file.path);
  }
}

async function request(service: BuildService, vm: BuildDestination | undefined, files: SourceFile[] = [{ name: 'm.c', text: 'x' }], lesson = 'ioctl', owner = 'alice'): Promise<BuildReport[]> {
  const reports: BuildReport[] = [];
  await service.request({ owner, lesson, files, destination: () => vm }, (r) => reports.push(r));
  return reports;
}

test('a build is reported building, then done with what the VM has now, modes and all', async () => {
  const vm = new FakeVM();
  const service = new BuildService(fakeBuilder(async () => result()), new BuildQueue(1));
  const reports = await request(service, vm);
  assert.deepEqual(reports.map((r) => r.state), ['building', 'done']);
  const done = reports[1]!;
  assert.deepEqual(done.delivered?.map((d) => [d.path, d.changed]), [['/lab/ioctl/m.ko', true], ['/lab/ioctl/user_program', true]]);
  assert.equal(vm.files.get('/lab/ioctl/user_program')?.mode, 0o755);
  assert.equal(vm.files.get('/lab/ioctl/m.ko')?.mode, 0o644);
  // The same artefacts again: the VM has them, nothing is sent.
  const again = await request(service, vm);
  assert.deepEqual(again.at(-1)?.delivered?.map((d) => d.changed), [false, false]);
});

test('a failed build is reported with its diagnostics and never reaches the VM', async () => {
  const vm = new FakeVM();
  const diagnostics = [{ file: 'm.c', line: 3, column: 1, severity: 'error' as const, message: 'expected ;' }];
  const service = new BuildService(fakeBuilder(async () => result({ ok: false, artefacts: [], diagnostics, log: 'm.c:3:1: error: expected ;' })), new BuildQueue(1));
  const reports = await request(service, vm);
  assert.equal(reports.at(-1)?.state, 'failed');
  assert.deepEqual(reports.at(-1)?.diagnostics, diagnostics);
  assert.match(reports.at(-1)?.log ?? '', /expected ;/);
  assert.equal(vm.files.size, 0);
});

test('a build past a limit is refused with the limit in words, and the VM is untouched', async () => {
  const vm = new FakeVM();
  const service = new BuildService(fakeBuilder(async () => result({ ok: false, artefacts: [], limit: 'the build took longer than 30 s and was stopped' })), new BuildQueue(1));
  const last = (await request(service, vm)).at(-1);
  assert.equal(last?.state, 'refused');
  assert.equal(last?.reason, 'build-error');
  assert.match(last?.message ?? '', /longer than 30 s/);
  assert.equal(vm.files.size, 0);
});

test('bad files, a session without a VM and a builder that throws are refused without a build', async () => {
  const builder = fakeBuilder(async () => {
    throw new Error('sandbox: could not run prlimit');
  });
  const service = new BuildService(builder, new BuildQueue(1));
  const bad = await request(service, new FakeVM(), [{ name: 'evil.c', text: '' }]);
  assert.deepEqual(bad.map((r) => [r.state, r.reason]), [['refused', 'bad-files']]);
  const noVm = await request(service, undefined);
  assert.deepEqual(noVm.map((r) => [r.state, r.reason]), [['refused', 'no-vm']]);
  assert.equal(builder.builds, 0);
  const broken = await request(service, new FakeVM());
  assert.deepEqual(broken.at(-1)?.reason, 'build-error');
  assert.match(broken.at(-1)?.message ?? '', /could not run prlimit/);
});

test('a VM that ends during the build, or refuses the files, is reported, not thrown', async () => {
  const vm = new FakeVM();
  let present = true;
  const service = new BuildService(
    fakeBuilder(async () => {
      present = false;
      return result();
    }),
    new BuildQueue(1),
  );
  const reports: BuildReport[] = [];
  await service.request({ owner: 'a', lesson: 'ioctl', files: [], destination: () => (present ? vm : undefined) }, (r) => reports.push(r));
  assert.equal(reports.at(-1)?.reason, 'no-vm');

  const refusing = new FakeVM();
  refusing.fail = 'put: /lab/ioctl/m.ko: the file arrived damaged (size or SHA-256 differ)';
  const last = (await request(new BuildService(fakeBuilder(async () => result()), new BuildQueue(1)), refusing)).at(-1);
  assert.equal(last?.reason, 'delivery-failed');
  assert.match(last?.message ?? '', /arrived damaged/);
});

test('twenty builds at once from one learner: one builds, nineteen are told to wait for it', async () => {
  let finish!: () => void;
  const slow = new Promise<void>((r) => (finish = r));
  const builder = fakeBuilder(async () => {
    await slow;
    return result();
  });
  const service = new BuildService(builder, new BuildQueue(2));
  const vm = new FakeVM();
  const all = Array.from({ length: 20 }, () => request(service, vm));
  await new Promise((r) => setImmediate(r));
  finish();
  const reports = await Promise.all(all);
  const ends = reports.map((r) => r.at(-1));
  assert.equal(ends.filter((r) => r?.state === 'done').length, 1);
  assert.equal(ends.filter((r) => r?.reason === 'busy').length, 19);
  assert.equal(builder.builds, 1);
});

test('a learner waiting for a slot hears the place in the queue', async () => {
  let finish!: () => void;
  const slow = new Promise<void>((r) => (finish = r));
  const service = new BuildService(
    fakeBuilder(async () => {
      await slow;
      return result();
    }),
    new BuildQueue(1),
  );
  const first = request(service, new FakeVM(), undefined, 'ioctl', 'alice');
  const second = request(service, new FakeVM(), undefined, 'ioctl', 'bob');
  await new Promise((r) => setImmediate(r));
  finish();
  const [, bob] = await Promise.all([first, second]);
  assert.deepEqual(bob.map((r) => [r.state, r.position]), [['queued', 1], ['building', undefined], ['done', undefined]]);
});

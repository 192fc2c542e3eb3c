// npm run lab -- build | shell [--lesson NAME] | exec [--lesson NAME] -- CMD...
// With no command it prints the usage. (`npm start` is the server,
// lab/server/main.ts, not this file.)
import { parseArgs } from 'node:util';
import { buildLab, type Lab } from './builder/lab.ts';
import { buildTabLab } from './builder/tab-lab.ts';
import { lessonNames } from './builder/image.ts';
import { LEAVE_KEY_NAME, attachTerminal } from './vm/attach.ts';
import { accelFromEnv, bootLabVM } from './vm/boot.ts';
import { LabError, type LabVM } from './vm/lab-vm.ts';

const USAGE = `usage:
  npm run lab -- build [--tab]                      build both labs (cached): the x86-64 one the lab
                                                    server runs in QEMU, and the i386 one the page runs
                                                    in the reader's tab (v86); --tab: only the latter
  npm run lab -- shell [--lesson NAME] [--kvm]      a lab VM in this terminal (${LEAVE_KEY_NAME} leaves)
  npm run lab -- exec [--lesson NAME] [--kvm] -- CMD...
                                                    boot, run CMD in /lab/NAME, print its output,
                                                    exit with its status
environment: UKLAB_CACHE (cache folder), UKLAB_ACCEL=kvm (same as --kvm)`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

/** Stop the VM when this process is told to stop, so no QEMU outlives the CLI. */
function stopOnSignals(vm: LabVM): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      void vm.stop().then(() => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
    });
  }
}

async function main(argv: string[]): Promise<number> {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const command = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      lesson: { type: 'string' },
      kvm: { type: 'boolean', default: false },
      tab: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const verb = positionals[0];
  if (values.help || verb === undefined) {
    console.log(USAGE);
    return 0;
  }
  const lesson = values.lesson;
  if (lesson !== undefined && !lessonNames().includes(lesson)) {
    fail(`lab: no lesson '${lesson}'; lessons: ${lessonNames().join(', ')}`);
  }
  const accel = values.kvm ? 'kvm' : accelFromEnv();

  switch (verb) {
    case 'build':
      if (!values.tab) await buildLab();
      await buildTabLab();
      return 0;
    case 'shell': {
      const lab = await buildLab();
      if (!process.stdin.isTTY) {
        console.log(`lab: ready. Open a lab shell in a terminal with: npm run lab -- shell`);
        return 0;
      }
      return shell(lab, lesson, accel);
    }
    case 'exec': {
      if (command.length === 0) fail(`lab: exec needs a command after --\n${USAGE}`);
      const lab = await buildLab({ quiet: true });
      const vm = await bootLabVM(lab, { lesson, accel });
      stopOnSignals(vm);
      try {
        const r = await vm.exec(command.join(' '), { timeoutMs: Number(process.env.UKLAB_EXEC_TIMEOUT_MS ?? 60_000) });
        process.stdout.write(r.output);
        return r.status;
      } finally {
        await vm.stop();
      }
    }
    default:
      fail(`lab: unknown command '${verb}'\n${USAGE}`);
  }
}

async function shell(lab: Lab, lesson: string | undefined, accel: 'tcg' | 'kvm'): Promise<number> {
  console.log(`lab: booting (${LEAVE_KEY_NAME} leaves; so do poweroff and exit)`);
  const show = (d: string): void => void process.stdout.write(d);
  const vm = await bootLabVM(lab, {
    lesson,
    accel,
    control: true,
    cols: process.stdout.columns,
    rows: process.stdout.rows,
    // Show the boot as it happens; attachTerminal takes over at the prompt.
    onStart: (booting) => booting.on('data', show),
  });
  vm.off('data', show);
  stopOnSignals(vm);
  const exit = await attachTerminal(vm);
  console.log(`\nlab: VM ended (${exit.reason}${exit.panic ? `: ${exit.panic}` : ''})`);
  return exit.reason === 'panic' ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof LabError || e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);

// What a learner's build said, as the editor shows it: GCC's
// `file:line:col: severity: message` lines become markers on the learner's
// files, and the linker's and modpost's complaints, which name no line,
// become messages of the build as a whole. Pure: the page's build pane and
// the server's tests read the same shapes (lab/protocol.ts).
import type { BuildDiagnostic, DiagnosticSeverity } from '../protocol.ts';

const GCC = /^(?<file>[^\s:][^:]*):(?<line>\d+):(?:(?<col>\d+):)? (?<sev>fatal error|error|warning|note): (?<msg>.*)$/;
/** modpost: `ERROR: modpost: "sym" [/build/x/m.ko] undefined!`, and its warnings. */
const MODPOST = /^(?<sev>ERROR|WARNING): modpost: (?<msg>.*)$/;
/** The linker, through collect2 or ld itself: `ld: ...: undefined reference to ...`. */
const LINKER = /^(?:\/\S+\/)?(?<tool>ld|collect2)(?:\.\w+)?: (?<sev>error: |warning: )?(?<msg>.*)$/;

function severity(word: string): DiagnosticSeverity {
  const w = word.toLowerCase().replace('fatal ', '');
  return w === 'warning' ? 'warning' : w === 'note' ? 'note' : 'error';
}

/**
 * The diagnostics in `output`, for the learner's files named in `files`
 * (by base name: the sandbox's paths are its own business). A diagnostic in
 * another file (a kernel header the code misused) keeps that file's name.
 */
export function parseDiagnostics(output: string, files: readonly string[]): BuildDiagnostic[] {
  const out: BuildDiagnostic[] = [];
  const seen = new Set<string>();
  const push = (d: BuildDiagnostic): void => {
    // Kbuild and make repeat some messages; the editor needs each once.
    const key = JSON.stringify(d);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  };
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const gcc = GCC.exec(line)?.groups;
    if (gcc) {
      const base = (gcc.file ?? '').split('/').pop() ?? '';
      const file = files.includes(base) ? base : (gcc.file ?? '');
      push({
        file,
        line: Number(gcc.line),
        ...(gcc.col ? { column: Number(gcc.col) } : {}),
        severity: severity(gcc.sev ?? 'error'),
        message: gcc.msg ?? '',
      });
      continue;
    }
    const modpost = MODPOST.exec(line)?.groups;
    if (modpost) {
      push({ severity: severity(modpost.sev ?? 'ERROR'), message: `modpost: ${(modpost.msg ?? '').replace(/ \[\/\S+\/([^/\]]+)\]/, ' [$1]')}` });
      continue;
    }
    const ld = LINKER.exec(line)?.groups;
    if (ld && (ld.sev || /undefined reference|multiple definition|cannot find/.test(ld.msg ?? ''))) {
      push({ severity: ld.sev?.startsWith('warning') ? 'warning' : 'error', message: `${ld.tool ?? 'ld'}: ${ld.msg ?? ''}` });
    }
  }
  return out;
}

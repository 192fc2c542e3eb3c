// Kbuild's compiler probes, answered from memory. Every `make M=dir
// modules` parses the kernel's Makefiles again, and their cc-option,
// as-instr and ld-option calls run the compiler once each (try-run in
// scripts/Makefile.compiler): 30 runs for one lesson module against the
// lab kernel, 0.6 s of a 1.1 s build (measured on this project's 2-core
// machine with the probes made to fail at once). For one kernel tree and
// one compiler their answers never change. So the first build records them
// (try-run redefined on make's command line, which overrides the kernel's
// definition in every sub-make), and later builds look them up in a table
// with make's own functions, with no process at all; a probe the table
// does not have runs as the kernel would run it. The same answers give the
// same flags, so a module built either way is byte for byte the same
// (test/build/kbuild-probes.test.ts).

/** The probe's command, without the module's folder (the same table serves every lesson). */
const KEY = 'uklab-probe-key=$(subst $(KBUILD_EXTMOD),@M@,$(strip $(1)))';

/** scripts/Makefile.compiler's try-run (Linux 6.1 and 6.12), after `then`/`else` the answer. */
const RUN = (pass: string, fail: string): string =>
  `set -e; TMP=$(TMPOUT)/tmp; trap "rm -rf $(TMPOUT)" EXIT; mkdir -p $(TMPOUT); if ($(1)) >/dev/null 2>&1; then ${pass}; else ${fail}; fi`;

/** Between the table's entries: text no probe command has. */
const SEP = '@@';

/** make's command-line assignments that run every probe and append `1|0 TAB command` lines to `log` (a path in the build). */
export function recordingArgs(log: string): string[] {
  if (!/^\/[A-Za-z0-9_./-]+$/.test(log)) throw new Error(`kbuild probes: bad log path ${log}`);
  // The command goes through single quotes: each ' in it becomes '\''.
  const quoted = "$(subst ','\\'',$(uklab-probe-key))";
  return [KEY, `try-run=$(shell ${RUN(`echo "$(2)"; r=1`, `echo "$(3)"; r=0`)}; printf '%s\\t%s\\n' $$r '${quoted}' >>${log})`];
}

/** make's command-line assignments that answer the probes in `table` (a path in the build) from it. */
export function memoArgs(table: string): string[] {
  if (!/^\/[A-Za-z0-9_./-]+$/.test(table)) throw new Error(`kbuild probes: bad table path ${table}`);
  const has = (kind: 'P' | 'F'): string => `$(findstring ${SEP}${kind}$(uklab-probe-key)${SEP},$(file <${table}))`;
  return [KEY, `try-run=$(if ${has('P')},$(2),$(if ${has('F')},$(3),$(shell ${RUN(`echo "$(2)"`, `echo "$(3)"`)})))`];
}

/** The table from a recording's log, or undefined if the log is not one (nothing recorded, a line of another shape). */
export function probeTable(log: string): string | undefined {
  const lines = log.split('\n').filter((l) => l !== '');
  if (lines.length === 0) return undefined;
  let table = SEP;
  for (const line of lines) {
    const m = /^([01])\t(.+)$/.exec(line);
    if (!m?.[2] || m[2].includes(SEP)) return undefined;
    table += `${m[1] === '1' ? 'P' : 'F'}${m[2]}${SEP}`;
  }
  return table;
}

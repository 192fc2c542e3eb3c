// Compiler output as the sandbox returns it (these lines are from real
// builds of the lab's lessons: Kbuild names a module's file by its path in
// the sandbox, make names the user program's by its own name).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDiagnostics } from '../../lab/build/diagnostics.ts';

const FILES = ['ioctl_example.c', 'ioctl_example.h', 'user_program.c'];

test("GCC's errors, warnings and notes become markers on the learner's files, by base name", () => {
  const out = [
    "  CC [M]  /build/ioctl/ioctl_example.o",
    "/build/ioctl/ioctl_example.c:1:10: fatal error: /etc/passwd: No such file or directory",
    "    1 | #include \"/etc/passwd\"",
    "user_program.c: In function 'main':",
    "user_program.c:1:32: error: 'y' undeclared (first use in this function)",
    "user_program.c:1:32: note: each undeclared identifier is reported only once for each function it appears in",
    "user_program.c:1:22: error: unused variable 'x' [-Werror=unused-variable]",
    "/build/ioctl/ioctl_example.h:7:1: warning: data definition has no type or storage class",
    "cc1: all warnings being treated as errors",
  ].join('\n');
  assert.deepEqual(parseDiagnostics(out, FILES), [
    { file: 'ioctl_example.c', line: 1, column: 10, severity: 'error', message: '/etc/passwd: No such file or directory' },
    { file: 'user_program.c', line: 1, column: 32, severity: 'error', message: "'y' undeclared (first use in this function)" },
    { file: 'user_program.c', line: 1, column: 32, severity: 'note', message: 'each undeclared identifier is reported only once for each function it appears in' },
    { file: 'user_program.c', line: 1, column: 22, severity: 'error', message: "unused variable 'x' [-Werror=unused-variable]" },
    { file: 'ioctl_example.h', line: 7, column: 1, severity: 'warning', message: 'data definition has no type or storage class' },
  ]);
});

test('a message in a file that is not the learner\'s keeps its path; repeats are dropped', () => {
  const line = '/root/.cache/user-kernel-lab/kernel/x/linux/include/linux/printk.h:429:9: error: expected expression';
  assert.deepEqual(parseDiagnostics(`${line}\n${line}\n`, FILES), [
    { file: '/root/.cache/user-kernel-lab/kernel/x/linux/include/linux/printk.h', line: 429, column: 9, severity: 'error', message: 'expected expression' },
  ]);
});

test("modpost's and the linker's complaints are messages of the build, with the module's name only", () => {
  const out = [
    'ERROR: modpost: "no_such_symbol" [/build/ioctl/ioctl_example.ko] undefined!',
    "/usr/bin/ld: /tmp/ccX.o: in function `main':",
    "/usr/bin/ld: user_program.c:(.text+0x5): undefined reference to `nothing'",
    'collect2: error: ld returned 1 exit status',
  ].join('\n');
  assert.deepEqual(parseDiagnostics(out, FILES), [
    { severity: 'error', message: 'modpost: "no_such_symbol" [ioctl_example.ko] undefined!' },
    { severity: 'error', message: "ld: user_program.c:(.text+0x5): undefined reference to `nothing'" },
    { severity: 'error', message: 'collect2: ld returned 1 exit status' },
  ]);
});

test('plain output has no diagnostics', () => {
  assert.deepEqual(parseDiagnostics('make -C /x M=/build/ioctl modules\n  LD [M]  /build/ioctl/ioctl_example.ko\n', FILES), []);
});

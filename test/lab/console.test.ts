import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CommandFrame, ConsoleTail, lastPanicReason, panicAfterLastPrompt, PROMPT_AT_END, stripTerminal } from '../../lab/vm/console.ts';

test('the prompt is recognised only at the end of the output', () => {
  assert.match('banner\r\nlab:/lab# ', PROMPT_AT_END);
  assert.match('lab:/lab/ioctl$ ', PROMPT_AT_END);
  assert.match('lab:/lab# \x1b[6n', PROMPT_AT_END);
  assert.doesNotMatch('lab:/lab# ls\r\n', PROMPT_AT_END);
  assert.doesNotMatch('slab: 12 ', PROMPT_AT_END);
});

test("a panic's reason is the last panic line's, whole or cut short by QEMU's exit", () => {
  const typed = "lab:/lab# echo 'Kernel panic - not syncing: fake'\r\nKernel panic - not syncing: fake\r\nlab:/lab# ";
  const real = '[ 1.2] sysrq: Trigger a crash\r\n[ 1.2] Kernel panic - not syncing: sysrq triggered crash\r\r\n[ 1.2] Kernel Offset: disabled\r\n';
  assert.equal(lastPanicReason(typed + real), 'sysrq triggered crash');
  assert.equal(lastPanicReason('[ 1.2] Kernel panic - not syncing: sysrq t'), 'sysrq t');
  assert.equal(lastPanicReason('lab:/lab# '), undefined);
});

test('without a panic device, only a panic line after the last prompt counts (kernels like Debian\'s)', () => {
  const prompt = 'lab:/lab# ';
  const echoed = `${prompt}echo 'Kernel panic - not syncing: x'\r\nKernel panic - not syncing: x\r\n${prompt}poweroff\r\n`;
  assert.equal(panicAfterLastPrompt(echoed), false);
  assert.equal(panicAfterLastPrompt(`${prompt}echo c > /proc/sysrq-trigger\r\n[ 3.1] Kernel panic - not syncing: sysrq triggered crash\r\n`), true);
  assert.equal(panicAfterLastPrompt(`${prompt}poweroff\r\n`), false);
});

test('a framed command is cut out of the echo and the prompt around it', () => {
  const f = new CommandFrame('abcd');
  const line = f.line('ls /lab');
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  // What a terminal shows: the echo (escapes as text), then the real output.
  const echo = `lab:/lab# ${line.replace('\n', '\r\n')}`;
  assert.equal(f.parse(echo), undefined, 'the echo alone must not complete the frame');
  const out = `${echo}\x1eBabcd\x1e\r\nhello\r\nworld\r\n\x1eEabcd:3\x1e\r\nlab:/lab# `;
  assert.deepEqual(f.parse(out), { output: 'hello\nworld\n', status: 3 });
});

test('a frame for another command is not taken', () => {
  const f = new CommandFrame('aaaa');
  assert.equal(f.parse('\x1eBbbbb\x1e\r\nx\r\n\x1eEbbbb:0\x1e'), undefined);
});

test('a framed line is valid shell for any complete command, a background job included', () => {
  for (const command of ['ls', 'sleep 1 &', 'a && b', 'x & y', 'true || false', 'f &>/dev/null']) {
    const line = new CommandFrame('abcd').line(command);
    const r = spawnSync('sh', ['-n', '-c', line], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${JSON.stringify(line)}: ${r.stderr}`);
  }
});

test('multi-line commands are refused rather than half-run', () => {
  assert.throws(() => new CommandFrame('x').line('echo a\necho b'), /single line/);
});

test('the console tail is bounded and strips terminal sequences', () => {
  const t = new ConsoleTail(100);
  for (let i = 0; i < 1000; i++) t.push(`line ${i}\r\n`);
  assert.ok(t.get().length <= 200);
  assert.equal(t.lines(2), 'line 998\nline 999');
  assert.equal(stripTerminal('\x1b[1;32mok\x1b[0m\r\n'), 'ok\n');
});

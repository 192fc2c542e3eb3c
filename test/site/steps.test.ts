// The runnable-step format (site/step-format.ts) and a page's steps read
// from its source (site/steps.ts): what the page shows is what the literate
// tests run, so the parser is the contract between the two.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractSteps, outputMatches, parseStep, stepAnchor, typedText } from '../../site/steps.ts';

describe('runnable steps', () => {
  test('a transcript splits into commands and what each prints', () => {
    const step = parseStep('console', 'step=load status=1', '$ insmod a.ko\n$ ./user_program\nline 1\n\nline 3\n');
    assert.deepEqual(step?.commands, [
      { command: 'insmod a.ko', output: '' },
      { command: './user_program', output: 'line 1\n\nline 3\n' },
    ]);
    assert.equal(step?.status, 1);
    assert.equal(step && stepAnchor(step.role), 'step-load');
    assert.equal(step && typedText(step), 'insmod a.ko\n./user_program');
  });

  test('lines marked [server] or [tab] are printed by that lab only; the rest by both', () => {
    const step = parseStep('console', 'step=syms', '$ grep x /proc/kallsyms\n… T common\n[server] … T __x64_sys_x\n[tab] [    2.5] … T __ia32_sys_x\n$ true\n');
    assert.deepEqual(step?.commands, [
      {
        command: 'grep x /proc/kallsyms',
        output: '… T common\n… T __x64_sys_x\n',
        outputs: { server: '… T common\n… T __x64_sys_x\n', tab: '… T common\n[    2.5] … T __ia32_sys_x\n' },
      },
      { command: 'true', output: '' },
    ]);
    // The marker is the line's start only, and only these two names.
    const other = parseStep('console', 'step=b', '$ dmesg\n[    1.0] [tab] not a marker\n[qemu] not one either\n');
    assert.deepEqual(other?.commands, [{ command: 'dmesg', output: '[    1.0] [tab] not a marker\n[qemu] not one either\n' }]);
    // What Run types never includes output, marked or not.
    assert.equal(step && typedText(step), 'grep x /proc/kallsyms\ntrue');
  });

  test('ordinary fences are not steps; malformed steps are errors', () => {
    assert.equal(parseStep('console', 'title="host"', '$ ls\n'), undefined);
    assert.throws(() => parseStep('console', 'step=a', 'output first\n$ ls\n'), /must start with a "\$ " command/);
    assert.throws(() => parseStep('sh', 'step=a', '$ ls\n'), /console fence/);
    assert.throws(() => parseStep('console', 'step=Load_It', '$ ls\n'), /lowercase words/);
    assert.throws(() => parseStep('console', 'step=a check=1', '$ ls\n'), /not several/);
    assert.throws(() => parseStep('console', 'step=a status=x', '$ ls\n'), /whole number/);
  });

  test('only timestamps and … vary', () => {
    assert.ok(outputMatches('[    2.596127] ioctl_example: hi\n', '[   13.000001] ioctl_example: hi\n'));
    assert.ok(outputMatches('[T] ioctl_example: hi\n', '[    0.100000] ioctl_example: hi\n'));
    assert.ok(outputMatches('sent to pid …\n', 'sent to pid 123\n'));
    assert.ok(!outputMatches('sent to pid …\n', 'sent to pid 1\nextra\n'), '… stays within a line');
    assert.ok(!outputMatches('Data from kernel: 42\n', 'Data from kernel: 24\n'));
    assert.ok(!outputMatches('a (b) [c]\n', 'a b c\n'), 'the rest is literal, not a pattern');
    assert.ok(!outputMatches('', 'something\n'));
  });

  test("a trace line's PID, flags and time vary; its task, CPU and event do not", () => {
    const page = '    user_program-93      [000] .....     2.466315: sys_ioctl(fd: 3, cmd: …)\n';
    assert.ok(outputMatches(page, '    user_program-1021    [000] .....    41.000002: sys_ioctl(fd: 3, cmd: 80047801)\n'));
    assert.ok(!outputMatches(page, '    user_program-93      [000] .....     2.466315: sys_ioctl(fd: 4, cmd: 1)\n'));
    assert.ok(!outputMatches(page, '              sh-93      [000] .....     2.466315: sys_ioctl(fd: 3, cmd: 1)\n'));
    assert.ok(outputMatches(page, '    user_program-93      [000] .N...     2.466315: sys_ioctl(fd: 3, cmd: 1)\n'));
    assert.ok(!outputMatches(page, '    user_program-93      [001] .....     2.466315: sys_ioctl(fd: 3, cmd: 1)\n'));
  });

  test('a page: its lab, its steps in order, inside <details> too', () => {
    const page = extractSteps(
      [
        '<LabTerminal lesson="ioctl" />',
        '',
        '```console step=one',
        '$ echo 1',
        '1',
        '```',
        '```console',
        '$ not a step',
        '```',
        '```console check=1',
        '$ ./check.sh 1',
        'PASS: yes',
        '```',
        '<details>',
        '',
        '  ```console solution=1',
        '  $ echo 2',
        '  ```',
        '',
        '</details>',
      ].join('\n'),
    );
    assert.equal(page.lab, 'ioctl');
    assert.deepEqual(
      page.steps.map((s) => stepAnchor(s.role)),
      ['step-one', 'exercise-1-check', 'exercise-1-solution'],
    );
    assert.equal(page.steps[2]?.commands[0]?.command, 'echo 2');
  });

  test('a step may go to console 1, the second terminal, which the page must have', () => {
    assert.equal(parseStep('console', 'step=wait console=1', '$ sleep 600\n')?.console, 1);
    assert.equal(parseStep('console', 'step=run', '$ ls\n')?.console, 0);
    assert.equal(parseStep('console', 'step=run console=0', '$ ls\n')?.console, 0);
    assert.throws(() => parseStep('console', 'step=a console=2', '$ ls\n'), /console 0 and console 1/);
    assert.throws(() => parseStep('console', 'check=1 console=1', '$ ./check.sh 1\n'), /run on console 0/);
    assert.throws(() => parseStep('console', 'solution=1 console=1', '$ true\n'), /run on console 0/);
    assert.throws(() => parseStep('console', 'step=a terminal=2', '$ ls\n'), /now console=/);
    const fence = '```console step=wait console=1\n$ sleep 600\n```';
    assert.throws(() => extractSteps(`<LabTerminal lesson="signal" />\n\n${fence}`), /console=\{1\}/);
    const page = extractSteps(`<LabTerminal lesson="signal" />\n\n<LabTerminal lesson="signal" console={1} />\n\n${fence}`);
    assert.equal(page.lab, 'signal');
    assert.deepEqual(page.terminals, [0, 1]);
    assert.equal(page.steps[0]?.console, 1);
  });

  test("a page's terminals: one lab, one per console, console={0} or console={1}", () => {
    const step = '```console step=a\n$ ls\n```';
    assert.throws(() => extractSteps(step), /no <LabTerminal>/);
    assert.throws(() => extractSteps('<LabTerminal lesson="a" />\n\n<LabTerminal lesson="b" console={1} />'), /one lab, not a, b/);
    assert.throws(() => extractSteps('<LabTerminal lesson="a" />\n\n<LabTerminal lesson="a" />'), /one <LabTerminal>/);
    assert.throws(() => extractSteps('<LabTerminal lesson="a" console={1} />'), /first <LabTerminal>, which is missing/);
    assert.throws(() => extractSteps('<LabTerminal lesson="a" console="1" />'), /console=\{0\} \(the default\) or console=\{1\}/);
    assert.throws(() => extractSteps('<LabTerminal lesson="a" console={2} />'), /console=\{0\} \(the default\) or console=\{1\}/);
    assert.throws(() => extractSteps('<LabTerminal lesson={lab} />'), /lesson="…"/);
    assert.deepEqual(extractSteps('A page with no lab.\n').terminals, []);
  });

  test('only what the page shows counts: a terminal or step quoted in a code block is text', () => {
    const page = extractSteps(
      [
        '<LabTerminal lesson="ioctl" />',
        '',
        'A second terminal is written like this:',
        '',
        '```mdx',
        '<LabTerminal lesson="ioctl" console={1} />',
        '```',
        '',
        'and a step like this:',
        '',
        '````md',
        '```console step=quoted',
        '$ reboot',
        '```',
        '````',
        '',
        '```console step=real',
        '$ ls',
        '```',
      ].join('\n'),
    );
    assert.deepEqual(page.terminals, [0]);
    assert.deepEqual(page.steps.map((s) => stepAnchor(s.role)), ['step-real']);
  });

  test('indentation does not make code in MDX: an indented fence is a fence, and a step', () => {
    // CommonMark would read four spaces of indentation as an indented code
    // block that merely quotes the fence; MDX has no indented code, so the
    // page renders this as a step with a Run button, and it is run.
    const page = extractSteps(['<LabTerminal lesson="ioctl" />', '', 'Text.', '', '    ```console step=indented', '    $ ls', '    ```'].join('\n'));
    assert.deepEqual(page.steps.map((s) => stepAnchor(s.role)), ['step-indented']);
    assert.equal(page.steps[0]?.commands[0]?.command, 'ls');
  });

  test('the page is read as Docusaurus reads it: heading ids, front matter, admonitions, comments', () => {
    const page = extractSteps(
      [
        '---',
        'id: demo',
        'title: A demo',
        '---',
        '',
        '## Build and run it {#build-and-run}',
        '',
        '<!-- an MDX 1 style comment -->',
        '',
        '<LabTerminal lesson="ioctl" />',
        '',
        ':::warning Careful',
        '',
        '```console step=in-admonition',
        '$ ls',
        '```',
        '',
        ':::',
      ].join('\n'),
      'demo.mdx',
    );
    assert.deepEqual(page.steps.map((s) => stepAnchor(s.role)), ['step-in-admonition']);
  });

  test('page-wide rules: unique names, check before solution, a solution for every check', () => {
    const fence = (meta: string, cmd = 'true') => `\`\`\`console ${meta}\n$ ${cmd}\n\`\`\``;
    const page = (...fences: string[]) => ['<LabTerminal lesson="a" />', ...fences].join('\n\n');
    assert.throws(() => extractSteps(page(fence('step=a'), fence('step=a'))), /used twice/);
    assert.throws(() => extractSteps(page(fence('solution=1'), fence('check=1'))), /comes before/);
    assert.throws(() => extractSteps(page(fence('check=1'))), /no solution/);
    assert.throws(() => extractSteps(page(fence('check=1', './check.sh 1\n$ echo'), fence('solution=1'))), /check=1 is one command/);
    assert.equal(extractSteps(page(fence('step=a'), fence('check=1'), fence('solution=1'))).steps.length, 3);
  });

  test('errors name the page and the line', () => {
    assert.throws(() => extractSteps('# A page\n\n{oops(}\n', 'docs/a.mdx'), /^Error: docs\/a\.mdx:3:7: Could not parse/);
    const mdx = ['<LabTerminal lesson="a" />', '', 'Text.', '', '```console step=Bad_Name', '$ ls', '```'].join('\n');
    assert.throws(() => extractSteps(mdx, 'docs/a.mdx'), /^Error: docs\/a\.mdx:5: step=Bad_Name/);
    assert.throws(() => extractSteps('<LabTerminal lesson="a" />\n\n```console step=a file=kernel/x.sh\n```', 'docs/a.mdx'), /docs\/a\.mdx:3: .*not code included with file=/);
  });
});

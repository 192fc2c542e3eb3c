// The site's side of the lab in the tab, at build time: the step fences'
// lines that only one lab prints (site/shiki.ts), and the tab lab's files
// copied into the build (site/tab-assets.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { codeToHtml } from 'shiki';
import { TAB_ASSETS } from '../../lab/tab/layout.ts';
import { shikiOptions } from '../../site/shiki.ts';
import { copyTabLab, readTabLab } from '../../site/tab-assets.ts';
import { siteRootUrl } from '../../src/components/LabTerminal/site-root.ts';

const STEP = [
  '$ grep my_syscall /proc/kallsyms',
  '… T my_syscall_register',
  '[server] … T __x64_sys_my_syscall',
  '[tab] … T __ia32_sys_my_syscall',
  '$ echo done',
  'done',
].join('\n');

function highlight(code: string, meta: string): Promise<string> {
  return codeToHtml(code, { ...shikiOptions, lang: 'console', meta: { __raw: meta } } as Parameters<typeof codeToHtml>[1]);
}

/** The lines of a highlighted block: their data-lab and their text. */
function lines(html: string): { lab?: string; text: string }[] {
  const code = html.slice(html.indexOf('<code'), html.indexOf('</code>'));
  return code
    .split(/(?=<span class="line")/)
    .slice(1)
    .map((part) => {
      const lab = /^<span class="line" data-lab="(\w+)"/.exec(part)?.[1];
      // The text of this line, without the line break (and its span) before the next one.
      const text = part.replace(/<span data-lab="\w+">\n<\/span>$/, '').replace(/<[^>]+>/g, '').replace(/\n$/, '');
      return lab ? { lab, text } : { text };
    });
}

describe("a step's lines for one lab", () => {
  test('are marked with their lab and shown without the marker; the Run text is the commands only', async () => {
    const html = await highlight(STEP, 'step=look');
    assert.deepEqual(lines(html), [
      { text: '$ grep my_syscall /proc/kallsyms' },
      { text: '… T my_syscall_register' },
      { lab: 'server', text: '… T __x64_sys_my_syscall' },
      { lab: 'tab', text: '… T __ia32_sys_my_syscall' },
      { text: '$ echo done' },
      { text: 'done' },
    ]);
    assert.match(html, /data-run="grep my_syscall \/proc\/kallsyms\necho done"/);
    assert.doesNotMatch(html, /\[(tab|server)\] /);
    // The line break before a marked line goes with it, so a hidden line leaves no blank one.
    assert.match(html, /<span data-lab="server">\n<\/span><span class="line" data-lab="server">/);
    assert.match(html, /<span data-lab="tab">\n<\/span><span class="line" data-lab="tab">/);
    const code = html.slice(html.indexOf('<code'), html.indexOf('</code>'));
    assert.equal(code.match(/\n/g)?.length, 5, 'one line break per line after the first, none added');
  });

  test('only in steps: an ordinary fence shows its text as it is', async () => {
    const html = await highlight(STEP, '');
    assert.doesNotMatch(html, /data-lab/);
    assert.match(html, /\[tab\] … T __ia32_sys_my_syscall/);
  });
});

describe("the tab lab's files in the build", () => {
  const root = mkdtempSync(join(tmpdir(), 'uklab-tab-assets-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const v86 = (createRequire(import.meta.url)('v86/package.json') as { version: string }).version;

  function labFolder(name: string, version = v86): string {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const files = { wasm: 'v86.1.wasm', bios: 'seabios.2.bin', state: 'lab.3.state.gz', kernel: 'bzImage.4', initrd: 'initramfs.5.cpio' };
    const manifest: Record<string, unknown> = { v86: version, release: '6.1' };
    for (const [asset, file] of Object.entries(files)) {
      writeFileSync(join(dir, file), asset);
      manifest[asset] = { file, bytes: asset.length };
    }
    writeFileSync(join(dir, TAB_ASSETS.manifest), JSON.stringify(manifest));
    // What else the cache entry holds stays out of the site.
    writeFileSync(join(dir, 'state.raw'), 'raw');
    writeFileSync(join(dir, 'manifest.json'), '{}');
    return dir;
  }

  test('the manifest and the files it names, nothing else, under tab-lab/', () => {
    const out = join(root, 'build');
    copyTabLab(out, labFolder('good'));
    assert.deepEqual(readdirSync(join(out, 'tab-lab')).sort(), [
      'bzImage.4',
      'initramfs.5.cpio',
      'lab.3.state.gz',
      'seabios.2.bin',
      TAB_ASSETS.manifest,
      'v86.1.wasm',
    ]);
    assert.equal(readFileSync(join(out, 'tab-lab', 'lab.3.state.gz'), 'utf8'), 'state');
  });

  test('a missing tab lab fails the build and says how to make it', () => {
    assert.throws(() => readTabLab(join(root, 'nothing-here')), /not built.*npm run lab -- build/s);
  });

  test('a tab lab of another v86 than the bundled one fails the build', () => {
    assert.throws(() => readTabLab(labFolder('old', '0.5.1')), /built with v86 0\.5\.1, but the site bundles v86 .*npm run lab -- build/);
  });

  test('a file the manifest names that is missing fails the build', () => {
    const dir = labFolder('broken');
    rmSync(join(dir, 'lab.3.state.gz'));
    assert.throws(() => readTabLab(dir), /incomplete \(no state file\)/);
  });
});

test("the tab lab's files are at the site's root for every locale", () => {
  const i18n = { defaultLocale: 'en', localeConfigs: { en: { path: 'en' }, 'zh-Hans': { path: 'zh-Hans' } } };
  assert.equal(siteRootUrl('/', { ...i18n, currentLocale: 'en' }), '/');
  assert.equal(siteRootUrl('/zh-Hans/', { ...i18n, currentLocale: 'zh-Hans' }), '/');
  assert.equal(siteRootUrl('/user-kernel-lab/zh-Hans/', { ...i18n, currentLocale: 'zh-Hans' }), '/user-kernel-lab/');
  assert.equal(siteRootUrl('/user-kernel-lab/', { ...i18n, currentLocale: 'en' }), '/user-kernel-lab/');
});

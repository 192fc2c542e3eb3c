/*
 * Compiles lesson pages the way the site build does (site/compile-mdx.ts),
 * without building the site. A page with an MDX syntax error, a missing
 * include or a bad step fails here in seconds instead of minutes into
 * `npm run build`.
 *
 *   npx tsx site/check-mdx.ts docs/ioctl.mdx i18n/zh-Hans/.../ioctl.mdx
 *
 * No arguments: every page of both locales.
 */
import {allPages, mdxCompiler} from './compile-mdx.ts';

const {compile} = await mdxCompiler();
const files = process.argv.slice(2);
let failed = 0;
for (const file of files.length > 0 ? files : allPages()) {
  try {
    await compile(file);
    console.log(`ok    ${file}`);
  } catch (error) {
    failed++;
    console.log(`FAIL  ${file}\n      ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(failed > 0 ? 1 : 0);

/*
 * Docusaurus plugin: let webpack parse Docusaurus' generated files
 * (.docusaurus/*.js) as "auto" JavaScript instead of strict ES modules.
 *
 * Why: this repository's package.json says "type": "module" (the lab is
 * ESM), so webpack treats every .js file under it as javascript/esm. The
 * generated route registry calls require.resolveWeak() for code splitting,
 * which webpack only rewrites in non-strict modules; left as is, the build
 * fails with "require.resolveWeak is not a function" (and client-modules.js
 * with "require is not defined" in the browser).
 */
import type {LoadContext, Plugin} from '@docusaurus/types';

export default function generatedFilesAsAuto(context: LoadContext): Plugin {
  return {
    name: 'uklab-generated-files-as-auto',
    configureWebpack() {
      return {
        module: {
          rules: [{test: /\.js$/, include: [context.generatedFilesDir], type: 'javascript/auto'}],
        },
      };
    },
  };
}

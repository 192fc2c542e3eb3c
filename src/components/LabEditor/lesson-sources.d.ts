// The index site/lesson-sources.ts generates: a loader of each lesson's editable files.
declare module '@generated/lesson-sources/default/index.js' {
  import type {SourceFile} from '../../../lab/protocol.ts';

  const loaders: Record<string, (() => Promise<{default: SourceFile[]}>) | undefined>;
  export default loaders;
}

/*
 * Code fences in MDX are highlighted by shiki at build time (site/shiki.ts),
 * which hands MDX a finished <pre class="shiki"><code class="shiki-code">.
 * Docusaurus maps <pre>/<code> to its own CodeBlock, which would wrap that
 * markup in a second <pre> and lose the title, so those two are routed to
 * CodeFrame here; any other pre/code keeps the theme's own components.
 */
import type {ComponentProps, ReactNode} from 'react';
import MDXComponents from '@theme-original/MDXComponents';
import CodeFrame, {isShikiClass} from '@site/src/components/CodeFrame';
import Erratum from '@site/src/components/Erratum';
import LabEditor from '@site/src/components/LabEditor';
import LabTerminal from '@site/src/components/LabTerminal';

type PreProps = ComponentProps<typeof MDXComponents.pre>;
type CodeProps = ComponentProps<typeof MDXComponents.code>;

function Pre(props: PreProps): ReactNode {
  return isShikiClass(props.className, 'shiki') ? (
    <CodeFrame {...(props as ComponentProps<typeof CodeFrame>)} />
  ) : (
    <MDXComponents.pre {...props} />
  );
}

function Code(props: CodeProps): ReactNode {
  // Inside a shiki block the code is already a tree of coloured spans.
  return isShikiClass(props.className, 'shiki-code') ? (
    <code {...props} />
  ) : (
    <MDXComponents.code {...props} />
  );
}

// LabTerminal, LabEditor and Erratum are global so that a lesson needs no import line (site/AUTHORING.md).
export default {...MDXComponents, pre: Pre, code: Code, LabTerminal, LabEditor, Erratum};

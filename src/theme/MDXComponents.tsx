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
import {quizComponents} from '@site/src/components/Quiz';
import SolutionGate from '@site/src/components/Solutions';

type PreProps = ComponentProps<typeof MDXComponents.pre>;
type CodeProps = ComponentProps<typeof MDXComponents.code>;
type DetailsProps = ComponentProps<typeof MDXComponents.details> & {'data-solution'?: string};

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

// An exercise's solution (marked by site/solution-blocks.ts) hides when a workshop or a link asks.
// Docusaurus compiles an MDX <details> to the `Details` component; `details` is there for HTML ones.
function Details(props: DetailsProps): ReactNode {
  const exercise = props['data-solution'];
  const details = <MDXComponents.details {...props} />;
  return exercise === undefined ? details : <SolutionGate exercise={exercise}>{details}</SolutionGate>;
}

// LabTerminal, LabEditor and Erratum are global so that a lesson needs no import line (site/AUTHORING.md).
// The quiz's Quiz, Question, Choice and Explanation likewise (src/components/Quiz).
export default {...MDXComponents, pre: Pre, code: Code, details: Details, Details, LabTerminal, LabEditor, Erratum, ...quizComponents};

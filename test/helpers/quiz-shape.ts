// A lesson quiz as its page's MDX states it (site/AUTHORING.md, "Quiz"), read
// the way the site parses pages (site/mdx-tree.ts), with everything that is
// wrong with it: for test/site/quiz-pages.test.ts, which holds every page to
// it, and test/e2e/quiz.test.ts, which takes the right answers from it.
import type { Heading, Root, RootContent } from 'mdast';
import type { MdxJsxFlowElement, MdxJsxTextElement } from 'mdast-util-mdx-jsx';
import { parseMdx } from '../../site/mdx-tree.ts';

type Jsx = MdxJsxFlowElement | MdxJsxTextElement;
type Node = Root | RootContent;

export interface QuestionShape {
  readonly multiple: boolean;
  readonly choices: number;
  /** Positions of the right choices. */
  readonly correct: number[];
}

export interface QuizShape {
  readonly id: string | undefined;
  readonly questions: QuestionShape[];
  /** What is wrong with the page's quiz; empty when nothing is. */
  readonly problems: string[];
}

function isJsx(node: Node, name: string): node is Jsx {
  return (node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') && node.name === name;
}

function text(node: Node): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  return 'children' in node ? (node.children as Node[]).map(text).join('') : '';
}

function attribute(node: Jsx, name: string): { present: boolean; value: unknown } {
  const a = node.attributes.find((x) => x.type === 'mdxJsxAttribute' && x.name === name);
  return { present: a !== undefined, value: a?.value };
}

function findAll(node: Node, name: string): Jsx[] {
  const here = isJsx(node, name) ? [node] : [];
  const below = 'children' in node ? (node.children as Node[]).flatMap((c) => findAll(c, name)) : [];
  return [...here, ...below];
}

/** The {#id} of a heading, as the preprocessor leaves it in the text. */
function headingId(h: Heading): string | undefined {
  return /\{#([\w-]+)\}\s*$/.exec(text(h))?.[1];
}

/** Every anchor a page defines: heading ids, <Erratum id>, step anchors. */
function anchors(source: string): Set<string> {
  const ids = [...source.matchAll(/\{#([\w-]+)\}/g), ...source.matchAll(/<Erratum id="([\w-]+)"/g)].map((m) => m[1]!);
  const steps = [...source.matchAll(/^```console\b.*\bstep=([\w-]+)/gm)].map((m) => `step-${m[1]!}`);
  return new Set([...ids, ...steps]);
}

/** Reads the quiz of a page's source. */
export function readQuiz(source: string, file = '<mdx>'): QuizShape {
  const tree = parseMdx(source, file);
  const problems: string[] = [];
  const quizzes = findAll(tree, 'Quiz');
  if (quizzes.length !== 1) return { id: undefined, questions: [], problems: [`${quizzes.length} <Quiz> elements, not 1`] };
  const quiz = quizzes[0]!;

  // Its place: a top-level element in the section {#quiz}, the last h2 before {#further-reading}.
  const top = tree.children;
  const at = top.indexOf(quiz as RootContent);
  const h2 = top.flatMap((n, i) => (n.type === 'heading' && n.depth === 2 ? [{ i, id: headingId(n) }] : []));
  const section = h2.filter((h) => h.i < at).at(-1);
  const next = h2.find((h) => h.i > at);
  if (at < 0) problems.push('the <Quiz> is not at the top level of the page');
  else if (section?.id !== 'quiz') problems.push(`the <Quiz> is in section #${section?.id}, not #quiz`);
  if (next?.id !== 'further-reading') problems.push(`the section after the quiz is #${next?.id}, not #further-reading`);

  const id = attribute(quiz, 'id').value;
  if (typeof id !== 'string' || !/^[a-z][a-z0-9-]*$/.test(id)) problems.push('the <Quiz> needs an id, lowercase words with dashes');

  const defined = anchors(source);
  const children = quiz.children as Node[];
  const stray = children.filter((c) => !isJsx(c, 'Question'));
  if (stray.length > 0) problems.push(`the <Quiz> holds ${stray.map((s) => s.type).join(', ')} besides its questions`);
  const questions = children.filter((c): c is Jsx => isJsx(c, 'Question'));
  if (questions.length < 4 || questions.length > 6) problems.push(`${questions.length} questions, not 4 to 6`);

  const shapes = questions.map((q, n): QuestionShape => {
    const where = `question ${n + 1}`;
    const multiple = attribute(q, 'multiple').present;
    // A line that holds only <Choice>s or an <Explanation> is a paragraph around
    // them; the component takes such paragraphs apart, and so does this.
    const parts = (q.children as Node[]).flatMap((p): Node[] => {
      if (p.type !== 'paragraph') return [p];
      const inside = p.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
      return inside.length > 0 && inside.every((c) => isJsx(c, 'Choice') || isJsx(c, 'Explanation')) ? inside : [p];
    });
    const choices = parts.filter((p): p is Jsx => isJsx(p, 'Choice'));
    const explanations = parts.filter((p): p is Jsx => isJsx(p, 'Explanation'));
    const prompt = parts.filter((p) => !isJsx(p, 'Choice') && !isJsx(p, 'Explanation'));
    const correct = choices.flatMap((c, i) => (attribute(c, 'correct').present ? [i] : []));

    if (prompt.map(text).join('').trim() === '') problems.push(`${where} has no prompt`);
    if (choices.length < 2) problems.push(`${where} has ${choices.length} choices`);
    choices.forEach((c, i) => text(c).trim() === '' && problems.push(`${where}, choice ${i + 1} is empty`));
    if (multiple ? correct.length < 1 : correct.length !== 1) problems.push(`${where} has ${correct.length} right choices`);
    if (explanations.length !== 1 || text(explanations[0]!).trim() === '') problems.push(`${where} needs one explanation, with text`);
    for (const link of explanations.flatMap((e) => findAllLinks(e))) {
      if (link.startsWith('#') && !defined.has(link.slice(1))) problems.push(`${where} links to ${link}, which the page does not have`);
    }
    return { multiple, choices: choices.length, correct };
  });
  return { id: typeof id === 'string' ? id : undefined, questions: shapes, problems };
}

function findAllLinks(node: Node): string[] {
  const here = node.type === 'link' ? [node.url] : [];
  return [...here, ...('children' in node ? (node.children as Node[]).flatMap(findAllLinks) : [])];
}


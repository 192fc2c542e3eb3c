/*
 * A page's runnable steps, from its MDX tree (mdast): its lab, its steps and
 * its terminals, and the rules over them as a whole. One function for the
 * site build (site/runnable-steps.ts, on the tree it compiles) and for the
 * tests (site/steps.ts, on the same tree parsed from the page's source).
 */
import type {Root} from 'mdast';
import type {ConsoleIndex} from '../lab/protocol.ts';
import {parseStep, stepAnchor, type Step} from './step-format.ts';
import {walk, type Node} from './tree-walk.ts';

export interface PageSteps {
  /** The lab the page's <LabTerminal lesson="…"> starts, if it has one. */
  readonly lab: string | undefined;
  readonly steps: readonly Step[];
  /** The consoles of the page's <LabTerminal>s, in page order: [0], or [0, 1] with a second terminal. */
  readonly terminals: readonly ConsoleIndex[];
}


interface Terminal {
  readonly lesson: string;
  readonly console: ConsoleIndex;
}

/** The terminal a <LabTerminal lesson="…" console={n} /> element shows, or undefined for any other node. */
function labTerminal(node: Node): Terminal | undefined {
  if (node.type !== 'mdxJsxFlowElement' && node.type !== 'mdxJsxTextElement') return undefined;
  if (node.name !== 'LabTerminal') return undefined;
  const attribute = (name: string) =>
    node.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === name)?.value;
  const lesson = attribute('lesson');
  if (typeof lesson !== 'string') throw new Error('<LabTerminal> names its lab as a string: lesson="…"');
  const n = attribute('console');
  if (n === undefined) return {lesson, console: 0};
  // The component takes a number, so console={1}; console="1" would be a string.
  const value = typeof n === 'object' && n !== null ? n.value.trim() : undefined;
  if (value !== '0' && value !== '1') throw new Error('<LabTerminal> shows console={0} (the default) or console={1}');
  return {lesson, console: value === '1' ? 1 : 0};
}

/** A fence's or element's place in the page, for error messages. */
function at(source: string, node: Node): string {
  return `${source}:${node.position?.start.line ?? '?'}`;
}

/**
 * The lab, steps and terminals of a page, from its MDX tree, in page order:
 * code blocks and <LabTerminal> elements wherever the tree has them
 * (inside <details> too), and nothing that is only quoted in a code block.
 * Throws, naming `source` and the line, on a malformed step or terminal and
 * on a page that breaks a rule over all of them (checkSteps, and one
 * terminal per console, and one for each console the steps use).
 */
export function pageSteps(tree: Root, source = '<mdx>'): PageSteps {
  const steps: Step[] = [];
  const terminals: Terminal[] = [];
  for (const node of walk(tree)) {
    try {
      const terminal = labTerminal(node);
      if (terminal) terminals.push(terminal);
      if (node.type !== 'code') continue;
      const step = parseStep(node.lang, node.meta ?? '', node.value);
      if (step) steps.push(step);
    } catch (error) {
      throw new Error(`${at(source, node)}: ${(error as Error).message}`, {cause: error});
    }
  }
  try {
    checkSteps(steps);
    checkTerminals(steps, terminals);
  } catch (error) {
    throw new Error(`${source}: ${(error as Error).message}`, {cause: error});
  }
  return {lab: terminals[0]?.lesson, steps, terminals: terminals.map((t) => t.console)};
}

/** Rules over a page's terminals: one lab, one terminal per console, one for each console the steps use. */
function checkTerminals(steps: readonly Step[], terminals: readonly Terminal[]): void {
  const labs = new Set(terminals.map((t) => t.lesson));
  if (labs.size > 1) throw new Error(`a page has one lab, not ${[...labs].join(', ')}`);
  const count = (console: ConsoleIndex) => terminals.filter((t) => t.console === console).length;
  if (count(0) > 1 || count(1) > 1) {
    throw new Error('a lesson page has one <LabTerminal>, and at most one second terminal (console={1})');
  }
  if (count(1) > 0 && count(0) === 0) {
    throw new Error("a second terminal (console={1}) joins the VM of the page's first <LabTerminal>, which is missing");
  }
  if (steps.length > 0 && count(0) === 0) {
    throw new Error('the page has runnable steps but no <LabTerminal> to run them in');
  }
  if (steps.some((s) => s.console === 1) && count(1) === 0) {
    throw new Error('a console=1 step needs a second terminal on the page: <LabTerminal lesson="…" console={1} />');
  }
}

/** Rules over a page's steps as a whole (site/AUTHORING.md). */
function checkSteps(steps: readonly Step[]): void {
  const anchors = new Set<string>();
  const checked = new Set<number>();
  for (const step of steps) {
    const anchor = stepAnchor(step.role);
    if (anchors.has(anchor)) throw new Error(`#${anchor} is used twice on the page`);
    anchors.add(anchor);
    if (step.role.kind === 'check') {
      if (step.commands.length !== 1) throw new Error(`check=${step.role.exercise} is one command`);
      checked.add(step.role.exercise);
    }
    if (step.role.kind === 'solution' && !checked.has(step.role.exercise)) {
      throw new Error(`solution=${step.role.exercise} comes before check=${step.role.exercise}`);
    }
  }
  for (const n of checked) {
    if (!steps.some((s) => s.role.kind === 'solution' && s.role.exercise === n)) {
      throw new Error(`exercise ${n} has a check but no solution`);
    }
  }
}

/*
 * The pieces every mechanism diagram is drawn with: the two zones and the
 * boundary between them, boxes, arrows and their labels. Everything is
 * inline SVG coloured by CSS (styles.module.css) from the theme's variables,
 * so a diagram follows the reader's light or dark mode, and every word is a
 * <text> element, which a screen reader, a search and a translator can read.
 */
import type {ReactNode} from 'react';
import styles from './styles.module.css';

/** One line of a box or a label: code (monospace) or prose, main or small. */
export interface Line {
  readonly text: string;
  readonly code: boolean;
  readonly small: boolean;
}

/** A code name, as the lesson's sources spell it. */
export const code = (text: string): Line => ({text, code: true, small: false});
/** A smaller line of code under a box's name. */
export const codeSmall = (text: string): Line => ({text, code: true, small: true});
/** A few words of explanation, smaller, in the page's language. */
export const note = (text: string): Line => ({text, code: false, small: true});
/** A line of prose at the main size. */
export const prose = (text: string): Line => ({text, code: false, small: false});

const MAIN = 18; // line height of a main line, in viewBox units
const SMALL = 16; // line height of a small line
const PAD = 9; // space above the first and below the last line

function lineHeight(l: Line): number {
  return l.small ? SMALL : MAIN;
}

export function boxHeight(lines: readonly Line[]): number {
  return PAD * 2 + lines.reduce((h, l) => h + lineHeight(l), 0);
}

function lineClass(l: Line): string {
  return [l.code ? styles.code : styles.prose, l.small ? styles.small : ''].join(' ');
}

/** Lines of text centred on x, the first line's box starting at y. */
function Lines({x, y, lines, anchor = 'middle'}: {x: number; y: number; lines: readonly Line[]; anchor?: 'start' | 'middle' | 'end'}): ReactNode {
  let top = y;
  return (
    <text x={x} textAnchor={anchor}>
      {lines.map((l, i) => {
        const h = lineHeight(l);
        // The baseline sits about a quarter of the line height above its bottom.
        const baseline = top + h - (l.small ? 4 : 5);
        top += h;
        return (
          <tspan key={i} x={x} y={baseline} className={lineClass(l)} data-code={l.code ? '' : undefined}>
            {l.text}
          </tspan>
        );
      })}
    </text>
  );
}

export type BoxKind = 'plain' | 'own' | 'data';

/**
 * A box centred on cx, its top at y. `own` marks the lesson's own code
 * (the module, the program), `data` memory rather than code.
 */
export function Box({cx, y, w, lines, kind = 'plain'}: {cx: number; y: number; w: number; lines: readonly Line[]; kind?: BoxKind}): ReactNode {
  const h = boxHeight(lines);
  return (
    <g className={styles[kind]} data-box={kind}>
      <rect x={cx - w / 2} y={y} width={w} height={h} rx={6} className={styles.box} />
      <Lines x={cx} y={y + PAD} lines={lines} />
    </g>
  );
}

export type ArrowKind = 'call' | 'return' | 'data' | 'axis';

/**
 * An arrow along the points, head at the last: `call` (solid) for control
 * going on or down into the kernel, `return` (dashed) for it coming back,
 * `data` (dotted) for bytes that move without a call, `axis` for time.
 */
export function Arrow({id, points, kind = 'call'}: {id: string; points: ReadonlyArray<readonly [number, number]>; kind?: ArrowKind}): ReactNode {
  const d = points.map(([x, y], i) => `${i ? 'L' : 'M'}${x} ${y}`).join(' ');
  return <path d={d} className={`${styles.arrow} ${styles[kind]}`} markerEnd={`url(#${id}-${kind})`} data-arrow={kind} />;
}

/** Words beside an arrow or in a shape; placed clear of the lines. */
export function Label({x, y, lines, anchor = 'start'}: {x: number; y: number; lines: readonly Line[]; anchor?: 'start' | 'middle' | 'end'}): ReactNode {
  return (
    <Lines x={x} y={y} lines={lines} anchor={anchor} />
  );
}

export interface FrameProps {
  /** Prefix of the ids inside the SVG; one diagram of a kind per page. */
  readonly id: string;
  readonly title: string;
  readonly desc: string;
  readonly width: number;
  readonly height: number;
  /** Where the user/kernel boundary is, from the top. */
  readonly boundary: number;
  readonly user: string;
  readonly kernel: string;
  readonly children: ReactNode;
}

/** The whole picture: user space above the line, the kernel below. */
export function Frame({id, title, desc, width, height, boundary, user, kernel, children}: FrameProps): ReactNode {
  return (
    <svg
      className={styles.svg}
      viewBox={`0 0 ${width} ${height}`}
      style={{maxWidth: `${width}px`}}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      data-mechanism-diagram="">
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{desc}</desc>
      <defs>
        {(['call', 'return', 'data', 'axis'] as const).map((k) => (
          <marker key={k} id={`${id}-${k}`} className={styles[`head-${k}`]} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
            <path d="M0 0 L10 5 L0 10 z" />
          </marker>
        ))}
      </defs>
      <rect className={styles.userZone} data-zone="user" x={0} y={0} width={width} height={boundary} />
      <rect className={styles.kernelZone} data-zone="kernel" x={0} y={boundary} width={width} height={height - boundary} />
      <line className={styles.boundary} data-boundary="" x1={0} y1={boundary} x2={width} y2={boundary} />
      <text className={styles.zone} x={10} y={boundary - 9}>
        {user}
      </text>
      <text className={styles.zone} x={10} y={boundary + 21}>
        {kernel}
      </text>
      {children}
    </svg>
  );
}

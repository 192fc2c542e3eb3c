/*
 * A short quiz at the end of a lesson (site/AUTHORING.md, "Quiz"). Written
 * in MDX, so each locale writes its own text and markdown works in it:
 *
 *   <Quiz id="syscall">
 *   <Question>
 *
 *   What does `syscall()` return when the call fails?
 *
 *   <Choice>The negative error number</Choice>
 *   <Choice correct>-1, with the error number in `errno`</Choice>
 *
 *   <Explanation>The C library's wrapper… ([the kernel side](#kernel-side))</Explanation>
 *   </Question>
 *   </Quiz>
 *
 * Each question is a <fieldset> whose <legend> is the prompt, with native
 * radio buttons (checkboxes with `multiple`), so the keyboard works as it
 * does in any form: Tab into the group, arrows to pick, Tab to Check, Space
 * or Enter. The verdict is announced in a polite live region, and the
 * explanation appears under it. Before the page is hydrated (or with no
 * JavaScript at all) there is nothing to grade with, so each question shows
 * a <details> with the answer and its explanation instead of the button.
 *
 * The grading is grade.ts; a malformed question (no right choice, two in a
 * single-choice question, no explanation) throws, which fails the build of
 * the page rather than misleading a reader.
 */
import {
  Children,
  cloneElement,
  isValidElement,
  useCallback,
  useId,
  useRef,
  useState,
  type ReactElement,
  type ReactNode,
} from 'react';
import clsx from 'clsx';
import {translate} from '@docusaurus/Translate';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import useIsBrowser from '@docusaurus/useIsBrowser';
import {answerKey, choiceLetter, grade, tally, type Grade, type Verdict} from './grade';
import styles from './styles.module.css';

export interface ChoiceProps {
  /** This choice is a right answer. */
  readonly correct?: boolean;
  readonly children?: ReactNode;
}

/** One answer to pick; only meaningful inside a <Question>, which renders it. */
export function Choice({children}: ChoiceProps): ReactNode {
  return <>{children}</>;
}

/** Why the right answer is right, shown once the question has been checked. */
export function Explanation({children}: {readonly children?: ReactNode}): ReactNode {
  return <>{children}</>;
}

export interface QuestionProps {
  /** "Select all that apply": checkboxes, and every right choice must be picked. */
  readonly multiple?: boolean;
  /** The prompt (anything that is not a Choice or an Explanation), the choices, the explanation. */
  readonly children?: ReactNode;
}

/** What <Quiz> hands each of its questions. */
interface Placement {
  readonly quizId: string;
  readonly index: number;
  readonly onVerdict: (index: number, verdict: Verdict) => void;
}

function isOf<P>(node: ReactNode, type: (props: P) => ReactNode): node is ReactElement<P> {
  return isValidElement(node) && node.type === type;
}

/*
 * A <legend> and a <label> may hold only phrasing content, but MDX wraps a
 * prompt written on lines of its own in <p>: its paragraphs become block
 * spans, which look the same and keep the HTML valid.
 */
function inline(children: ReactNode): ReactNode {
  return Children.map(children, (child) =>
    isValidElement<{children?: ReactNode}>(child) && child.type === 'p' ? (
      <span className={styles.para}>{child.props.children}</span>
    ) : (
      child
    ),
  );
}

function announcement(verdict: Verdict, multiple: boolean): string {
  switch (verdict) {
    case 'correct':
      return translate({id: 'quiz.verdict.correct', message: 'Correct.'});
    case 'partial':
      return translate({id: 'quiz.verdict.partial', message: 'Partly right: what you picked is right, but something is missing.'});
    case 'incorrect':
      return multiple
        ? translate({id: 'quiz.verdict.incorrectMultiple', message: 'Not quite: one of your picks is wrong. The explanation below says why.'})
        : translate({id: 'quiz.verdict.incorrect', message: 'Not quite. The explanation below says why; try again.'});
    case 'unanswered':
      return translate({id: 'quiz.verdict.unanswered', message: 'Pick an answer first.'});
  }
}

/*
 * MDX makes a line that holds only `<Choice>…</Choice>` (or a one-line
 * `<Explanation>`) a paragraph around the element, and consecutive such
 * lines one paragraph: such paragraphs are taken apart again, so that
 * choices may be written one per line.
 */
function flatten(children: ReactNode): ReactNode[] {
  return Children.toArray(children).flatMap((child) => {
    if (!isValidElement<{children?: ReactNode}>(child) || child.type !== 'p') return [child];
    const inside = Children.toArray(child.props.children).filter((c) => !(typeof c === 'string' && c.trim() === ''));
    const onlyParts = inside.length > 0 && inside.every((c) => isOf(c, Choice) || isOf(c, Explanation));
    return onlyParts ? inside : [child];
  });
}

export function Question(props: QuestionProps & Partial<Placement>): ReactNode {
  const {multiple = false, children, quizId = 'quiz', index = 0, onVerdict} = props;
  const parts = flatten(children);
  const choices = parts.filter((p) => isOf(p, Choice));
  const explanations = parts.filter((p) => isOf(p, Explanation));
  const prompt = parts.filter((p) => !isOf(p, Choice) && !isOf(p, Explanation));
  const key = answerKey(choices.map((c) => c.props.correct === true), multiple);
  if (explanations.length !== 1) throw new Error(`question ${index + 1} of quiz "${quizId}" needs one <Explanation>, not ${explanations.length}`);

  const id = `${quizId}-q${index + 1}`;
  useBrokenLinks().collectAnchor(id);
  const name = useId();
  const isBrowser = useIsBrowser();
  const fieldset = useRef<HTMLFieldSetElement>(null);
  const [result, setResult] = useState<Grade | null>(null);
  const [checks, setChecks] = useState(0);
  const [explained, setExplained] = useState(false);

  const check = (): void => {
    // Read the form itself: a pick made before hydration is in the DOM only.
    const inputs = fieldset.current?.querySelectorAll<HTMLInputElement>('input:checked');
    const picked = inputs ? Array.from(inputs, (i) => Number(i.value)) : [];
    const graded = grade(key, picked);
    setResult(graded);
    setChecks((n) => n + 1);
    if (graded.verdict !== 'unanswered') {
      setExplained(true);
      onVerdict?.(index, graded.verdict);
    }
  };

  // A new pick makes the last verdict stale: its marks and message go, the explanation stays.
  const changed = useCallback(() => setResult(null), []);

  const verdict = result?.verdict;
  const graded = verdict !== undefined && verdict !== 'unanswered';
  const wrong = new Set(result?.wrong ?? []);
  const missed = new Set(result?.missed ?? []);
  const answer = key.correct.map(choiceLetter).join(', ');

  return (
    <fieldset ref={fieldset} id={id} className={clsx(styles.question, graded && styles[verdict])} data-verdict={verdict}>
      <legend className={styles.prompt}>
        <span className={styles.number}>{index + 1}.</span> {inline(prompt)}
      </legend>
      {multiple && <p className={styles.hint}>{translate({id: 'quiz.multiple', message: 'Select all that apply.'})}</p>}
      <ul className={styles.choices}>
        {choices.map((choice, i) => {
          const mark = graded && (wrong.has(i) ? 'wrong' : null);
          const picked = graded && !wrong.has(i) && key.correct.includes(i) && !missed.has(i);
          return (
            <li key={i} className={clsx(styles.choice, mark && styles.markedWrong, picked && styles.markedRight)} data-mark={mark ? 'wrong' : picked ? 'right' : undefined}>
              <label>
                <input type={multiple ? 'checkbox' : 'radio'} name={name} value={i} onChange={changed} />
                <span className={styles.letter}>{choiceLetter(i)}.</span>
                <span className={styles.text}>{inline(choice.props.children)}</span>
                {picked && (
                  <span className={styles.mark}>
                    <span aria-hidden="true">✓</span>
                    <span className="sr-only">{translate({id: 'quiz.mark.right', message: '(right)'})}</span>
                  </span>
                )}
                {mark && (
                  <span className={styles.mark}>
                    <span aria-hidden="true">✗</span>
                    <span className="sr-only">{translate({id: 'quiz.mark.wrong', message: '(wrong)'})}</span>
                  </span>
                )}
              </label>
            </li>
          );
        })}
      </ul>
      {isBrowser ? (
        <>
          <div className={styles.actions}>
            <button type="button" className="button button--primary button--sm" onClick={check}>
              {translate({id: 'quiz.check', message: 'Check'})}
            </button>
            <p role="status" className={styles.status}>
              {/* A fresh node each check, so that the same verdict twice is announced twice. */}
              {result && <span key={checks}>{announcement(result.verdict, multiple)}</span>}
            </p>
          </div>
          {explained && <div className={styles.explanation}>{explanations}</div>}
        </>
      ) : (
        <details className={styles.explanation}>
          <summary>{translate({id: 'quiz.showAnswer', message: 'Show the answer'})}</summary>
          <p>{translate({id: 'quiz.answer', message: 'Answer: {answer}'}, {answer})}</p>
          {explanations}
        </details>
      )}
    </fieldset>
  );
}

export interface QuizProps {
  /** Names the quiz: its questions' anchors are `#<id>-q1`, `#<id>-q2`… */
  readonly id: string;
  /** <Question> elements. */
  readonly children?: ReactNode;
}

export default function Quiz({id, children}: QuizProps): ReactNode {
  const questions = Children.toArray(children).filter((c) => isOf(c, Question));
  const [verdicts, setVerdicts] = useState<(Verdict | undefined)[]>(() => questions.map(() => undefined));
  const onVerdict = useCallback((index: number, verdict: Verdict) => {
    setVerdicts((v) => v.map((old, i) => (i === index ? verdict : old)));
  }, []);
  if (questions.length === 0) throw new Error(`quiz "${id}" has no <Question>`);
  const {checked, correct, total} = tally(verdicts);

  return (
    <section className={styles.quiz} data-quiz={id}>
      {questions.map((q, index) => cloneElement(q as ReactElement<QuestionProps & Placement>, {quizId: id, index, onVerdict}))}
      {checked > 0 && (
        <p className={styles.score}>
          {translate(
            {id: 'quiz.score', message: '{correct} of {total} right, {checked} checked.'},
            {correct: String(correct), total: String(total), checked: String(checked)},
          )}
        </p>
      )}
    </section>
  );
}

/** The names pages use without importing them (src/theme/MDXComponents.tsx). */
export const quizComponents = {Quiz, Question, Choice, Explanation};

/*
 * An exercise's reference solution (a <details> that site/solution-blocks.ts
 * marked with data-solution), or, while solutions are hidden, a line that
 * says why and, when a link hid them, lets the reader show them.
 */
import {useSyncExternalStore, type ReactNode} from 'react';
import Translate from '@docusaurus/Translate';
import {getServerSolutionsState, getSolutionsState, showSolutions, subscribeSolutions} from './visibility.ts';
import styles from './styles.module.css';

export default function SolutionGate({exercise, children}: {exercise: string; children: ReactNode}): ReactNode {
  const state = useSyncExternalStore(subscribeSolutions, getSolutionsState, getServerSolutionsState);
  if (state.visibility === 'shown') return children;
  return (
    <p className={styles.hidden} data-solution-hidden={exercise}>
      {state.by === 'server' ? (
        <Translate id="lab.solutions.hiddenByServer" description="Shown instead of an exercise's solution when the workshop's lab server hides solutions">
          The solution is hidden for this workshop: ask your instructor.
        </Translate>
      ) : (
        <>
          <Translate id="lab.solutions.hiddenByLink" description="Shown instead of an exercise's solution when the link the reader followed hid solutions">
            The solution is hidden: the link you followed asked for it.
          </Translate>{' '}
          <button type="button" className={styles.show} onClick={showSolutions}>
            <Translate id="lab.solutions.show" description="Button that shows the exercises' solutions again">
              Show solutions
            </Translate>
          </button>
        </>
      )}
    </p>
  );
}

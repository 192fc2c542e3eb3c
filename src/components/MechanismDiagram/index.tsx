/*
 * A lesson's mechanism as a picture: one round trip of the lesson's own
 * example across the user/kernel boundary (diagrams.tsx), with a legend and
 * the page's caption, in the page's language.
 *
 *   import MechanismDiagram from '@site/src/components/MechanismDiagram';
 *
 *   <MechanismDiagram mechanism="ioctl">
 *     The caption, in the page's own words.
 *   </MechanismDiagram>
 *
 * mechanism="overview" draws all six side by side, small.
 *
 * The SVG is inline, not an <img>, so that it takes its colours from the
 * theme (light or dark) and its words are text a reader can select and a
 * screen reader can read: role="img" with a <title> and a <desc> that tells
 * the whole round trip in prose.
 */
import type {ReactNode} from 'react';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import {DIAGRAMS, MECHANISMS, type Mechanism, type Tr} from './diagrams';
import {Frame} from './parts';
import styles from './styles.module.css';

export {MECHANISMS, type Mechanism};

/** The few words the frame and the legend need, per language. */
function translator(locale: string): Tr {
  return locale === 'zh-Hans' ? (_en, zh) => zh : (en) => en;
}

function LegendArrow({kind}: {kind: 'call' | 'return' | 'data'}): ReactNode {
  return (
    <svg viewBox="0 0 36 14" aria-hidden="true">
      <line x1={2} y1={7} x2={27} y2={7} className={`${styles.arrow} ${styles[kind]}`} />
      <g className={styles[`head-${kind}`]}>
        <path d="M26 2 L35 7 L26 12 z" />
      </g>
    </svg>
  );
}

function LegendBox(): ReactNode {
  return (
    <svg viewBox="0 0 36 14" aria-hidden="true">
      <g className={styles.own}>
        <rect x={3} y={1.5} width={30} height={11} rx={3} className={styles.box} />
      </g>
    </svg>
  );
}

export default function MechanismDiagram({mechanism, children}: {mechanism: Mechanism | 'overview'; children?: ReactNode}): ReactNode {
  const {i18n} = useDocusaurusContext();
  const t = translator(i18n.currentLocale);
  const draw = DIAGRAMS[mechanism];
  if (!draw) throw new Error(`MechanismDiagram: no diagram "${String(mechanism)}" (one of overview, ${MECHANISMS.join(', ')})`);
  const id = `mechanism-${mechanism}`;
  const d = draw(t, id);
  return (
    <figure className={styles.figure} data-mechanism={mechanism}>
      {/* On a phone the picture keeps a legible size and scrolls sideways. */}
      <div className={styles.scroll}>
        <Frame
          id={id}
          title={d.title}
          desc={d.desc}
          width={d.width}
          height={d.height}
          boundary={d.boundary}
          user={t('user space', '用户空间')}
          kernel={t('kernel', '内核')}>
          {d.body}
        </Frame>
      </div>
      <ul className={styles.legend} aria-hidden="true">
        <li>
          <LegendArrow kind="call" />
          {t('call', '调用')}
        </li>
        <li>
          <LegendArrow kind="return" />
          {t('return', '返回')}
        </li>
        {d.data && (
          <li>
            <LegendArrow kind="data" />
            {t('memory, no call', '内存访问，没有调用')}
          </li>
        )}
        {d.own !== false && (
          <li>
            <LegendBox />
            {t("the lesson's code", '本课的代码')}
          </li>
        )}
      </ul>
      {children && <figcaption className={styles.caption}>{children}</figcaption>}
    </figure>
  );
}

/*
 * The frame around a shiki-highlighted block: its title (a file path for
 * included code) and a copy button. Highlighting itself is done at build
 * time; this only adds what needs the browser.
 */
import {useRef, type ComponentProps, type ReactNode} from 'react';
import clsx from 'clsx';
import CopyButton from './CopyButton';
import styles from './styles.module.css';

export type Props = ComponentProps<'pre'> & {
  readonly 'data-title'?: string;
  readonly 'data-language'?: string;
};

export function isShikiClass(className: string | undefined, name: string): boolean {
  return className?.split(/\s+/).includes(name) ?? false;
}

export default function CodeFrame({
  'data-title': title,
  className,
  ...pre
}: Props): ReactNode {
  const ref = useRef<HTMLPreElement>(null);
  return (
    <figure className={styles.frame}>
      {title !== undefined && <figcaption className={styles.title}>{title}</figcaption>}
      <div className={styles.body}>
        <pre ref={ref} className={clsx(className, styles.pre)} {...pre} />
        {/* The DOM text is exactly the code: shiki joins its lines with "\n". */}
        <CopyButton className={styles.copy} text={() => ref.current?.textContent ?? ''} />
      </div>
    </figure>
  );
}

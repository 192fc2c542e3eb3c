/*
 * Copies a code block. The labels reuse the theme's translation ids
 * (theme.CodeBlock.*), so every locale the theme ships already has them.
 */
import {useEffect, useRef, useState, type ReactNode} from 'react';
import clsx from 'clsx';
import {translate} from '@docusaurus/Translate';
import IconCopy from '@theme/Icon/Copy';
import IconSuccess from '@theme/Icon/Success';
import {writeClipboard} from '@site/src/components/clipboard';
import styles from './styles.module.css';

interface Props {
  readonly className?: string;
  /** Read on click, so the button never holds a second copy of the code. */
  readonly text: () => string;
}

export default function CopyButton({className, text}: Props): ReactNode {
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const copy = (): void => {
    void writeClipboard(text()).then(() => {
      setCopied(true);
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => setCopied(false), 1500);
    });
  };

  const label = copied
    ? translate({id: 'theme.CodeBlock.copied', message: 'Copied'})
    : translate({id: 'theme.CodeBlock.copyButtonAriaLabel', message: 'Copy code to clipboard'});

  return (
    <button
      type="button"
      className={clsx(className, styles.button, copied && styles.copied)}
      aria-label={label}
      title={translate({id: 'theme.CodeBlock.copy', message: 'Copy'})}
      onClick={copy}>
      {copied ? <IconSuccess aria-hidden /> : <IconCopy aria-hidden />}
    </button>
  );
}

/*
 * Where an erratum's explanation starts: the target of the marks on the
 * article's code (site/shiki.ts, errata=). A component, not a bare
 * <span id>, because MDX passes JSX written in a page straight to React,
 * and Docusaurus' broken-anchor check only knows the ids its own
 * components report.
 */
import type {ReactNode} from 'react';
import useBrokenLinks from '@docusaurus/useBrokenLinks';

export default function Erratum({id}: {id: string}): ReactNode {
  useBrokenLinks().collectAnchor(id);
  return <span id={id} />;
}

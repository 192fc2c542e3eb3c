/*
 * Docusaurus' DocItem/Content (theme-classic 3.10, ejected), with one
 * addition: a lesson's goals box (src/components/LessonGoals) from its front
 * matter, between the title and the first paragraph. Ejected rather than
 * wrapped because a wrapper can only add before or after the whole content,
 * and the box belongs under the title. The rest is the original, unchanged.
 */
import type {ReactNode} from 'react';
import clsx from 'clsx';
import {ThemeClassNames} from '@docusaurus/theme-common';
import {useDoc} from '@docusaurus/plugin-content-docs/client';
import Heading from '@theme/Heading';
import MDXContent from '@theme/MDXContent';
import type {Props} from '@theme/DocItem/Content';
import LessonGoals, {lessonGoalsFrom} from '@site/src/components/LessonGoals';

/**
 Title can be declared inside md content or declared through
 front matter and added manually. To make both cases consistent,
 the added title is added under the same div.markdown block
 See https://github.com/facebook/docusaurus/pull/4882#issuecomment-853021120

 We render a "synthetic title" if:
 - user doesn't ask to hide it with front matter
 - the markdown content does not already contain a top-level h1 heading
*/
function useSyntheticTitle(): string | null {
  const {metadata, frontMatter, contentTitle} = useDoc();
  const shouldRender = !frontMatter.hide_title && typeof contentTitle === 'undefined';
  if (!shouldRender) {
    return null;
  }
  return metadata.title;
}

export default function DocItemContent({children}: Props): ReactNode {
  const syntheticTitle = useSyntheticTitle();
  const goals = lessonGoalsFrom(useDoc().frontMatter);
  return (
    <div className={clsx(ThemeClassNames.docs.docMarkdown, 'markdown')}>
      {syntheticTitle && (
        <header>
          <Heading as="h1">{syntheticTitle}</Heading>
        </header>
      )}
      {goals && <LessonGoals {...goals} />}
      <MDXContent>{children}</MDXContent>
    </div>
  );
}

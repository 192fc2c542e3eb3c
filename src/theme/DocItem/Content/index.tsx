/*
 * Docusaurus' DocItem/Content (theme-classic 3.10, ejected), with one
 * addition: a lesson's goals box (src/components/LessonGoals) from its front
 * matter, between the title and the first paragraph; and the lesson's id
 * for its steps, which keep the reader's progress (src/components/Progress).
 * Ejected rather than wrapped because a wrapper can only add before or after
 * the whole content, and the box belongs under the title. The rest is the
 * original, unchanged.
 */
import {useEffect, useRef, type ReactNode} from 'react';
import clsx from 'clsx';
import {ThemeClassNames} from '@docusaurus/theme-common';
import {useDoc} from '@docusaurus/plugin-content-docs/client';
import Heading from '@theme/Heading';
import MDXContent from '@theme/MDXContent';
import type {Props} from '@theme/DocItem/Content';
import LessonGoals, {lessonGoalsFrom} from '@site/src/components/LessonGoals';
import {LessonContext, progress} from '@site/src/components/Progress';

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
  const {metadata, frontMatter} = useDoc();
  const goals = lessonGoalsFrom(frontMatter);
  const content = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // The page's runnable steps as rendered, in order: what "done" means for the lesson.
    const anchors = Array.from(content.current?.querySelectorAll('figure[data-step]') ?? [], (f) => f.getAttribute('data-step') ?? '');
    if (anchors.length > 0) progress.steps(metadata.id, anchors);
  }, [metadata.id]);
  return (
    <LessonContext.Provider value={metadata.id}>
    <div ref={content} className={clsx(ThemeClassNames.docs.docMarkdown, 'markdown')}>
      {syntheticTitle && (
        <header>
          <Heading as="h1">{syntheticTitle}</Heading>
        </header>
      )}
      {goals && <LessonGoals {...goals} />}
      <MDXContent>{children}</MDXContent>
    </div>
    </LessonContext.Provider>
  );
}

/*
 * /instructor: the workshop's instructor's view of the learners
 * (src/components/Instructor). The lab server serves it only to the
 * instructor (lab/server/instructor.ts); a static copy of the site has the
 * page too, which then says it needs the lab server. Not in the navigation,
 * and not for search engines.
 */
import type {ReactNode} from 'react';
import Head from '@docusaurus/Head';
import Layout from '@theme/Layout';
import Translate, {translate} from '@docusaurus/Translate';
import Instructor from '@site/src/components/Instructor';

export default function InstructorPage(): ReactNode {
  return (
    <Layout title={translate({id: 'instructor.page.title', message: 'Instructor', description: "The instructor's page's title in the browser's tab"})} noFooter>
      <Head>
        <meta name="robots" content="noindex" />
      </Head>
      <main className="container container--fluid margin-vert--lg">
        <h1>
          <Translate id="instructor.page.heading" description="Heading of the instructor's page">
            {"The instructor's view"}
          </Translate>
        </h1>
        <Instructor />
      </main>
    </Layout>
  );
}

/*
 * The front door: what the lab is, and the way in. Every lesson has its
 * own URL under the site root; this page only points at them.
 */
import type {ReactNode} from 'react';
import Link from '@docusaurus/Link';
import Translate, {translate} from '@docusaurus/Translate';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import LessonList from '@site/src/components/LessonList';
import styles from './index.module.css';

export default function Home(): ReactNode {
  const {siteConfig} = useDocusaurusContext();
  return (
    <Layout
      description={translate({
        id: 'home.description',
        message:
          'An executable tutorial on how Linux user space and the kernel talk to each other.',
      })}>
      <header className={styles.hero}>
        <div className="container">
          <Heading as="h1" className={styles.title}>
            {siteConfig.title}
          </Heading>
          <p className={styles.lead}>
            <Translate id="home.lead">
              System calls, signals, shared memory, ioctl, netlink, procfs and sysfs: six ways
              across the line between a program and the kernel. Each lesson builds a kernel module
              and a program that talks to it, and runs them, for real, in a small Linux VM beside
              the text.
            </Translate>
          </p>
          <Link className="button button--primary button--lg" to="/overview">
            <Translate id="home.start">Start with the overview</Translate>
          </Link>
        </div>
      </header>
      <main className="container margin-vert--lg">
        <LessonList />
      </main>
    </Layout>
  );
}

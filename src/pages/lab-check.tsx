/*
 * /lab-check: one lab terminal and a Run button, to check that the lab
 * works in this browser (and for the end-to-end test). Not in the navigation.
 */
import type {ReactNode} from 'react';
import Layout from '@theme/Layout';
import LabTerminal, {runInLabTerminal} from '@site/src/components/LabTerminal';

export default function LabCheck(): ReactNode {
  return (
    <Layout title="Lab check" noFooter>
      <main className="container margin-vert--lg">
        <h1>Lab check</h1>
        <p>Start the lab, then type a command, or run one from a button.</p>
        <p>
          <button type="button" className="button button--outline button--primary button--sm" onClick={() => runInLabTerminal('hello', 'uname -r')}>
            Run <code>uname -r</code>
          </button>
        </p>
        <LabTerminal lesson="hello" />
      </main>
    </Layout>
  );
}

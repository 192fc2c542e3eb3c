// `npm start`: build what is missing (the lab kernel and image, the site),
// then serve the site and the lab on one URL.
//
//   tsx lab/server/main.ts [--host H] [--port P] [--token T] [--allow-origin URL]...
//                          [--no-site-build] [--kvm] [--no-snapshot] [--hide-solutions] [--metrics-token T]
//                          [--progress-db FILE|URL] [--instructor-token T] [--server-name NAME] [--peer-url URL] [--trust-proxy] [--trust-proxy]
//                          [--max-sessions N] [--pool-size N] …
//
// Environment: UKLAB_HOST, UKLAB_PORT, UKLAB_TOKEN, UKLAB_ACCEL, UKLAB_SNAPSHOT=0, UKLAB_HIDE_SOLUTIONS=1, UKLAB_METRICS_TOKEN,
// UKLAB_PROGRESS_DB, UKLAB_INSTRUCTOR_TOKEN, UKLAB_SERVER_NAME, UKLAB_PEER_URL, UKLAB_TRUST_PROXY=1,
// UKLAB_ALLOW_ORIGINS (comma-separated), and UKLAB_<LIMIT> for each limit (see limits.ts).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildLab } from '../builder/lab.ts';
import { buildTabLab } from '../builder/tab-lab.ts';
import { accelFromEnv } from '../vm/boot.ts';
import { SITE_ROOT, ensureSite } from '../builder/site.ts';
import { applyOverrides, defaultLimits, envName, flagName, type Limits } from './limits.ts';
import { isLoopback } from './origin.ts';
import { startLabServer } from './server.ts';

async function main(): Promise<void> {
  const limitKeys = Object.keys(defaultLimits()) as (keyof Limits)[];
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'no-site-build': { type: 'boolean', default: false },
      kvm: { type: 'boolean', default: false },
      'no-snapshot': { type: 'boolean', default: false },
      'hide-solutions': { type: 'boolean', default: false },
      'metrics-token': { type: 'string' },
      'progress-db': { type: 'string' },
      'instructor-token': { type: 'string' },
      'server-name': { type: 'string' },
      'peer-url': { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...Object.fromEntries(limitKeys.map((k) => [flagName(k), { type: 'string' as const }])),
    },
  });
  if (values.help) {
    console.log(`usage: tsx lab/server/main.ts [--host H] [--port P] [--token T] [--allow-origin URL]... [--no-site-build] [--kvm] [--no-snapshot] [--hide-solutions] [--metrics-token T]
         [--progress-db FILE|URL] [--instructor-token T] [--server-name NAME] [--peer-url URL] [--trust-proxy]
  /healthz and /readyz answer anyone; /metrics (Prometheus) answers the server's own Host, or any with the metrics token
  --kvm (or UKLAB_ACCEL=kvm): run the VMs under KVM if a probe boot works, else TCG
  --no-snapshot (or UKLAB_SNAPSHOT=0): boot every VM, instead of starting it from a saved booted VM (made once, cached)
  --hide-solutions (or UKLAB_HIDE_SOLUTIONS=1): the lessons' pages hide the exercises' reference solutions, for a workshop
  --metrics-token T (or UKLAB_METRICS_TOKEN): a scraper sending "Authorization: Bearer T" may read /metrics from any Host
  --progress-db FILE|URL (or UKLAB_PROGRESS_DB): keep each learner's steps and checks, across restarts, in this SQLite file
      or the PostgreSQL database of a postgres:// URL (several servers of one workshop share either)
  --instructor-token T (or UKLAB_INSTRUCTOR_TOKEN): the instructor's token, for /instructor and /instructor/progress.csv
      (made and printed for a workshop: when progress is kept or the server is not on loopback)
  --server-name NAME (or UKLAB_SERVER_NAME): this server's name in a progress store shared by several (default: the host name)
  --trust-proxy (or UKLAB_TRUST_PROXY=1): behind a reverse proxy (an Ingress), count each client by the address the proxy
      appends to X-Forwarded-For, not by the proxy's; never for a server clients reach directly
  --peer-url URL (or UKLAB_PEER_URL): where the workshop's other servers reach this one (http://<pod IP>:3000), so that an
      instructor on any of them can watch, reset and message the learners of this one
limits (flag or env): ${limitKeys.map((k) => `--${flagName(k)} (${envName(k)})`).join(', ')}`);
    return;
  }
  const env = process.env;
  const host = (values.host as string | undefined) ?? env.UKLAB_HOST ?? '127.0.0.1';
  const port = Number((values.port as string | undefined) ?? env.UKLAB_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`lab server: bad port '${port}'`);
  let token = (values.token as string | undefined) ?? env.UKLAB_TOKEN;
  if (!token && !isLoopback(host)) {
    token = randomBytes(18).toString('base64url');
    console.log(`lab server: bound to ${host}, so the lab needs this access token: ${token}`);
  }
  const allowOrigins = [
    ...((values['allow-origin'] as string[] | undefined) ?? []),
    ...(env.UKLAB_ALLOW_ORIGINS ?? '').split(',').filter(Boolean),
  ];
  const overrides = Object.fromEntries(
    limitKeys.map((k) => [k, (values as Record<string, unknown>)[flagName(k)] as string | undefined ?? env[envName(k)]]),
  );
  const limits = applyOverrides(defaultLimits(), overrides);

  const lab = await buildLab();
  // The site serves the tab lab's files too: a reader can run a lesson in
  // the tab instead of on this server.
  const tabLab = await buildTabLab();
  if (!values['no-site-build'] && !ensureSite()) {
    console.error('lab server: the site build failed; serving what is in build/, if anything');
  }
  const accel = values.kvm ? 'kvm' : accelFromEnv(env);
  const hideSolutions = values['hide-solutions'] === true || env.UKLAB_HIDE_SOLUTIONS === '1';
  const metricsToken = (values['metrics-token'] as string | undefined) ?? env.UKLAB_METRICS_TOKEN;
  const snapshot = !values['no-snapshot'] && env.UKLAB_SNAPSHOT !== '0';
  const progressDb = (values['progress-db'] as string | undefined) ?? env.UKLAB_PROGRESS_DB;
  let instructorToken = (values['instructor-token'] as string | undefined) ?? env.UKLAB_INSTRUCTOR_TOKEN;
  if ((progressDb || !isLoopback(host)) && !instructorToken) {
    instructorToken = randomBytes(18).toString('base64url');
    console.log(`lab server: the instructor's token: ${instructorToken}`);
  }
  const serverName = (values['server-name'] as string | undefined) ?? env.UKLAB_SERVER_NAME;
  const peerUrl = (values['peer-url'] as string | undefined) ?? env.UKLAB_PEER_URL;
  const trustProxy = values['trust-proxy'] === true || env.UKLAB_TRUST_PROXY === '1';
  const server = await startLabServer({
    lab, tabLab, host, port, token, allowOrigins, limits, accel, snapshot, hideSolutions, metricsToken, progressDb, instructorToken, serverName, peerUrl, trustProxy, siteRoot: SITE_ROOT,
  });
  // Before the address is printed: whoever reads it may send SIGTERM at once.
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      console.error(`lab server: ${sig}, stopping every VM`);
      void server.close().then(() => process.exit(0));
    });
  }
  console.log(`lab server: ${server.url}/  (up to ${limits.maxSessions} sessions, ${limits.poolSize} VMs kept booted, ${server.starts === 'restore' ? 'VMs start from a snapshot' : 'VMs boot'}${hideSolutions ? ', solutions hidden' : ''})`);
  if (token) {
    // In the fragment, which browsers never send: the page keeps it for this
    // origin and sends it only in the lab's hello frame.
    console.log(`lab server: learners join with <this server's address>/#lab-token=${encodeURIComponent(token)} or type the token when a lab asks for it`);
  }
  if (progressDb) {
    console.log(`lab server: learners' progress is kept in ${progressDb}; curl -H "Authorization: Bearer <instructor token>" ${server.url}/instructor/progress.csv`);
  }
  if (instructorToken) {
    console.log(`lab server: the instructor's view is ${server.url}/instructor (it asks for the instructor's token)`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

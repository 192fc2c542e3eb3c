// Who may open a lab: the WebSocket upgrade's Origin must be exactly this
// server's own origin or one on the explicit allow-list, and its Host must
// name this server. A page on another site can make the browser open a
// WebSocket to 127.0.0.1 with the learner's ambient access (cross-site
// WebSocket hijacking), and a rebinding DNS name can make the browser think
// the lab is same-origin with an attacker's page; checking both stops both.
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';

export interface OriginPolicy {
  /** Origins (scheme://host[:port]) whose pages may open a lab. */
  readonly origins: ReadonlySet<string>;
  /** Host header values (host[:port]) this server answers to. */
  readonly hosts: ReadonlySet<string>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The policy for a server bound to `bindHost:port`: its own names (the
 * loopback names for a loopback bind; every interface address for a
 * wildcard bind; else the bind address) plus `allow`, a list of origins
 * such as https://lab.example.org (a reverse proxy in front).
 */
export function originPolicy(bindHost: string, port: number, allow: string[] = []): OriginPolicy {
  const names = new Set<string>();
  if (isLoopback(bindHost)) {
    for (const n of ['localhost', '127.0.0.1', '::1', bindHost]) names.add(n);
  } else if (isWildcard(bindHost)) {
    for (const n of ['localhost', '127.0.0.1', '::1']) names.add(n);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address);
  } else {
    names.add(bindHost);
  }
  const origins = new Set<string>();
  const hosts = new Set<string>();
  for (const n of names) {
    const hp = hostPort(n, port);
    hosts.add(hp);
    origins.add(`http://${hp}`);
    origins.add(`https://${hp}`);
  }
  for (const raw of allow) {
    const u = new URL(raw);
    if (u.origin === 'null' || u.pathname !== '/' || u.search || u.hash) {
      throw new Error(`lab server: allowed origin must look like https://host[:port], not '${raw}'`);
    }
    origins.add(u.origin);
    hosts.add(u.host);
  }
  return { origins, hosts };
}

/** Why a request for the lab's own endpoints is refused for its Host header, or undefined. */
export function refuseHost(policy: OriginPolicy, host: string | undefined): string | undefined {
  return !host || !policy.hosts.has(host.toLowerCase()) ? 'unknown Host' : undefined;
}

/** Why an upgrade request is refused, or undefined when it may proceed. */
export function refuseUpgrade(policy: OriginPolicy, origin: string | undefined, host: string | undefined): string | undefined {
  const badHost = refuseHost(policy, host);
  if (badHost) return badHost;
  // Browsers always send Origin on a WebSocket upgrade; a client that
  // leaves it out must say who it is like a browser would.
  if (!origin) return 'missing Origin';
  if (!policy.origins.has(origin.toLowerCase())) return 'Origin not allowed';
  return undefined;
}

/**
 * Who is asking, for the per-address limits and the log: the socket's peer,
 * or behind a reverse proxy the server trusts (--trust-proxy: an Ingress,
 * whose address every learner would otherwise share), the address that
 * proxy appended to X-Forwarded-For. Only the last one: the ones before it
 * are whatever the client sent.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? '-';
  if (!trustProxy) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.at(-1) : forwarded)?.split(',').at(-1)?.trim();
  return last || peer;
}

// What a load balancer, Kubernetes and Prometheus ask the lab server:
//   /healthz  alive: 200 as long as the server answers HTTP at all
//   /readyz   ready: 200 while it can open another session, else 503, so a
//             full server gets no new learners (they go to another one)
//   /metrics  Prometheus' text format (lab/server/metrics.ts)
// The probes say nothing a stranger could use, and a kubelet asks with the
// pod's address in Host, so they answer anyone. The metrics count learners
// and refusals: like /lab/status they answer only a Host the server calls
// its own, or, for a Prometheus that scrapes the pod's address, a request
// with the metrics token as its bearer token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabMetrics } from './metrics.ts';
import { bearer, sameSecret } from './secret.ts';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

export interface ProbeOptions {
  /** Whether another learner would get a session now. */
  ready(): boolean;
  metrics: LabMetrics;
  /** A bearer token that opens /metrics from any Host. */
  metricsToken?: string;
  /** Whether the request's Host is one the server calls its own (origin.ts). */
  ownHost(req: IncomingMessage): boolean;
}

/** A short plain-text answer, never cached. */
export function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(`${body}\n`);
}

/** Answers the three paths (true), or leaves the request to the next handler (false). */
export function probeHandler(opts: ProbeOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== HEALTH_PATH && path !== READY_PATH && path !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return true;
    }
    if (path === HEALTH_PATH) {
      text(res, 200, 'ok');
    } else if (path === READY_PATH) {
      if (opts.ready()) text(res, 200, 'ready');
      else text(res, 503, 'full: no room for another learner');
    } else {
      const token = bearer(req);
      const allowed = token !== undefined && opts.metricsToken !== undefined ? sameSecret(token, opts.metricsToken) : opts.ownHost(req);
      if (!allowed) {
        text(res, 403, 'Forbidden');
        return true;
      }
      opts.metrics.render().then(
        ({ body, contentType }) => res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body),
        (e: unknown) => text(res, 500, `metrics failed: ${String(e)}`),
      );
    }
    return true;
  };
}

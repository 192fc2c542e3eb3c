// What the lab server gives the workshop's instructor, and only them: a
// request must carry the instructor's token (--instructor-token), which is
// not the learners' access token, as its bearer token.
//   /instructor/progress.csv  every learner's steps and checks (progress-db.ts)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WorkshopProgress } from './progress-db.ts';
import { text } from './probes.ts';
import { bearer, sameSecret } from './secret.ts';

export const PROGRESS_CSV_PATH = '/instructor/progress.csv';

export interface InstructorOptions {
  token: string | undefined;
  progress: Pick<WorkshopProgress, 'csv'> | undefined;
}

/** Answers the instructor's paths (true), or leaves the request to the next handler (false). */
export function instructorHandler(opts: InstructorOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== PROGRESS_CSV_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return true;
    }
    const token = bearer(req);
    if (opts.token === undefined || token === undefined || !sameSecret(token, opts.token)) {
      text(res, 403, opts.token === undefined ? 'Forbidden: this server was started without --instructor-token' : 'Forbidden');
      return true;
    }
    if (!opts.progress) {
      text(res, 404, 'this server keeps no progress: start it with --progress-db FILE');
      return true;
    }
    res
      .writeHead(200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="progress.csv"',
        'Cache-Control': 'no-store',
      })
      .end(opts.progress.csv());
    return true;
  };
}

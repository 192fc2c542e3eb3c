// What the lab server gives the workshop's instructor, and only them. They
// prove it with the instructor's token (--instructor-token), which is not
// the learners' access token: as a bearer token (curl), or once in the
// login form, which answers with a cookie holding an HMAC of the token.
//   /instructor, /<locale>/instructor   the instructor's page (the site's;
//                                       without the cookie, a login form)
//   /instructor/login, /instructor/logout
//   /instructor/progress.csv            every learner's steps and checks (workshop-store.ts)
//   /instructor/ws                      the live grid (instructor-connection.ts)
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { INSTRUCTOR_COOKIE, INSTRUCTOR_LOGIN_PATH, INSTRUCTOR_LOGOUT_PATH, INSTRUCTOR_PAGE, PROGRESS_CSV_PATH } from '../instructor-protocol.ts';
import type { AuthThrottle } from './gate.ts';
import { progressCsv, type WorkshopStore } from './workshop-store.ts';
import { text } from './probes.ts';
import { bearer, sameSecret } from './secret.ts';


/** The site's instructor page, in the default locale or another one's folder, by any of the names the site handler serves it under. */
const PAGE = /^(?:\/[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)?\/instructor(?:\.html|\/|\/index\.html)?$/;
/** A cookie lasts a working day; the instructor logs in again the next. */
const COOKIE_MAX_AGE_S = 12 * 60 * 60;
const MAX_FORM_BYTES = 4096;

export interface InstructorOptions {
  token: string | undefined;
  progress: Pick<WorkshopStore, 'rows'> | undefined;
  /** Wrong tokens in the login form count against the address, as in the learners' hello. */
  throttle: AuthThrottle;
  /** Who asks, for the throttle (origin.ts clientAddress). */
  address(req: IncomingMessage): string;
  /** Whether a form's Origin and Host are this server's (origin.ts). */
  sameOrigin(req: IncomingMessage): boolean;
  log: (message: string) => void;
}

/** What the cookie holds for this token: any server of the workshop that knows the token can check it. */
export function instructorCookieValue(token: string): string {
  return createHmac('sha256', token).update('uklab instructor cookie v1').digest('base64url');
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the request carries the instructor's token, as a bearer token or as the login's cookie. */
export function isInstructor(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return false;
  const b = bearer(req);
  if (b !== undefined) return sameSecret(b, token);
  const c = cookie(req, INSTRUCTOR_COOKIE);
  return c !== undefined && sameSecret(c, instructorCookieValue(token));
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res: ServerResponse, status: number, next: string, problem?: string): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>User ⇄ Kernel Lab: instructor</title></head>
<body style="font-family: sans-serif; max-width: 34em; margin: 4em auto; line-height: 1.5">
<h1>The instructor's view</h1>
<p>This page is for the workshop's instructor. The lab server printed the instructor's token when it started
(<code>--instructor-token</code>); it is not the learners' access token.</p>
${problem ? `<p role="alert" style="color: #b00">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="${INSTRUCTOR_LOGIN_PATH}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label>Instructor's token: <input name="token" type="password" autocomplete="off" required autofocus></label>
<button type="submit">Open</button>
</form>
</body></html>
`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(body);
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(undefined));
  });
}

/**
 * The path as the site handler (http.ts) will read it, decoded and
 * normalized: /%69nstructor and /x/../instructor are the page too.
 */
function sitePath(rawPath: string): string {
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // left as it is: the site handler finds no file for it either
  }
  return posix.normalize(path);
}

/** Where to go after logging in: one of the instructor's pages, never another site. */
function nextPage(raw: string | null): string {
  return raw !== null && PAGE.test(raw) ? raw : INSTRUCTOR_PAGE;
}

/** Behind a TLS-terminating proxy the cookie must say Secure; the proxy says the scheme. */
function secure(req: IncomingMessage): string {
  return req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
}

/** Answers the instructor's paths (true), or leaves the request to the next handler (false): the site serves the page once the instructor is known. */
export function instructorHandler(opts: InstructorOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const forbidden = (res: ServerResponse): void =>
    text(res, 403, opts.token === undefined ? 'Forbidden: this server was started without --instructor-token' : 'Forbidden');

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const address = opts.address(req);
    if (!opts.sameOrigin(req)) return forbidden(res);
    const form = await readForm(req);
    if (!form) return text(res, 400, 'Bad Request');
    const next = nextPage(form.get('next'));
    if (opts.token === undefined) return forbidden(res);
    if (!opts.throttle.mayTry(address)) return loginPage(res, 429, next, 'Too many wrong tokens from this address; wait a minute.');
    const token = form.get('token')?.trim() ?? '';
    if (!sameSecret(token, opts.token)) {
      opts.throttle.failed(address);
      opts.log(`lab server: a wrong instructor token from ${address}`);
      return loginPage(res, 403, next, 'That is not the instructor token.');
    }
    res
      .writeHead(303, {
        Location: next,
        'Set-Cookie': `${INSTRUCTOR_COOKIE}=${instructorCookieValue(opts.token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure(req)}`,
        'Cache-Control': 'no-store',
      })
      .end();
  };

  return (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === INSTRUCTOR_LOGIN_PATH || path === INSTRUCTOR_LOGOUT_PATH) {
      if (req.method !== 'POST') {
        res.writeHead(405, { Allow: 'POST' }).end();
        return true;
      }
      if (path === INSTRUCTOR_LOGIN_PATH) {
        login(req, res).catch(() => text(res, 500, 'login failed'));
        return true;
      }
      if (!opts.sameOrigin(req)) {
        forbidden(res);
        return true;
      }
      res.writeHead(303, { Location: '/', 'Set-Cookie': `${INSTRUCTOR_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure(req)}` }).end();
      return true;
    }
    if (PAGE.test(sitePath(path))) {
      if (opts.token === undefined) {
        forbidden(res);
        return true;
      }
      if (isInstructor(req, opts.token)) return false; // the site's page
      loginPage(res, 403, path);
      return true;
    }
    if (path !== PROGRESS_CSV_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return true;
    }
    if (!isInstructor(req, opts.token)) {
      forbidden(res);
      return true;
    }
    if (!opts.progress) {
      text(res, 404, 'this server keeps no progress: start it with --progress-db FILE|URL');
      return true;
    }
    opts.progress.rows().then(
      (rows) =>
        res
          .writeHead(200, {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': 'attachment; filename="progress.csv"',
            'Cache-Control': 'no-store',
          })
          .end(progressCsv(rows)),
      (e: unknown) => {
        opts.log(`lab server: the progress CSV could not be read: ${String(e)}`);
        text(res, 503, 'the progress store is out of reach; try again');
      },
    );
    return true;
  };
}

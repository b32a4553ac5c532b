// The relay's HTTP(S) server: a route table of method + path pattern -> handler, one wrapper that turns every
// thrown error into a JSON answer (unexpected ones: 500, logged), and request logging with the token scrubbed
// from the path. Headers are never logged.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Handler, RelayContext } from './context.js';
import { appFile } from './handlers/app.js';
import { ack, deleteSession, poll, putDevice, putSession, register, results, uploadEvents } from './handlers/daemon.js';
import { deviceHtml, health, home, info, sessionHtml } from './handlers/pages.js';
import { push, pushKey } from './handlers/push.js';
import { deviceInstruction, deviceInstructionState, deviceStatus, remoteEvents, remoteInstruction, remoteStatus } from './handlers/remote.js';
import { HttpError, sendError } from './http.js';
import { safePath } from './logger.js';

// A client on the internet that sends its headers this slowly is stuck or hostile.
const HEADERS_TIMEOUT_MS = 20_000;
// The whole request (headers and a 2 MiB body) on a slow phone link; answers may be held longer (long-polls).
const REQUEST_TIMEOUT_MS = 120_000;
// 503s (over the long-poll cap) are summed up in the log this often rather than logged one line each: a relay at its
// cap refuses hundreds a second, each retried by its client (docs/benchmarks.md, "Relay load").
const BUSY_LOG_EVERY_MS = 60_000;
// Idle kept-alive sockets stay open longer than the daemon link's pool keeps them (30 s), so the client is the
// one that closes them and never sends a request into a socket the relay is closing.
const KEEP_ALIVE_MS = 35_000;

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: RegExp;
  handler: Handler;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: /^\/$/, handler: home },
  { method: 'GET', pattern: /^\/api\/info$/, handler: info },
  { method: 'GET', pattern: /^\/api\/health$/, handler: health },
  { method: 'POST', pattern: /^\/api\/daemon\/register$/, handler: register },
  { method: 'PUT', pattern: /^\/api\/daemon\/sessions\/([^/]+)$/, handler: putSession },
  { method: 'DELETE', pattern: /^\/api\/daemon\/sessions\/([^/]+)$/, handler: deleteSession },
  { method: 'PUT', pattern: /^\/api\/daemon\/device$/, handler: putDevice },
  { method: 'POST', pattern: /^\/api\/daemon\/events$/, handler: uploadEvents },
  { method: 'GET', pattern: /^\/api\/daemon\/poll$/, handler: poll },
  { method: 'POST', pattern: /^\/api\/daemon\/ack$/, handler: ack },
  { method: 'POST', pattern: /^\/api\/daemon\/results$/, handler: results },
  { method: 'POST', pattern: /^\/api\/daemon\/push$/, handler: push },
  { method: 'GET', pattern: /^\/api\/push\/key$/, handler: pushKey },
  { method: 'GET', pattern: /^\/api\/s\/([^/]+)$/, handler: remoteStatus },
  { method: 'GET', pattern: /^\/api\/s\/([^/]+)\/events$/, handler: remoteEvents },
  { method: 'POST', pattern: /^\/api\/s\/([^/]+)\/instructions$/, handler: remoteInstruction },
  { method: 'GET', pattern: /^\/api\/d\/([^/]+)$/, handler: deviceStatus },
  { method: 'POST', pattern: /^\/api\/d\/([^/]+)\/instructions$/, handler: deviceInstruction },
  { method: 'GET', pattern: /^\/api\/d\/([^/]+)\/instructions\/([A-Za-z0-9_-]{1,64})$/, handler: deviceInstructionState },
  { method: 'GET', pattern: /^\/api\/d\/([^/]+)\/s\/([^/]+)$/, handler: remoteStatus },
  { method: 'GET', pattern: /^\/api\/d\/([^/]+)\/s\/([^/]+)\/events$/, handler: remoteEvents },
  { method: 'POST', pattern: /^\/api\/d\/([^/]+)\/s\/([^/]+)\/instructions$/, handler: remoteInstruction },
  { method: 'GET', pattern: /^\/s\/([^/]+)$/, handler: sessionHtml },
  { method: 'GET', pattern: /^\/d\/([^/]+)(?:\/s\/([^/]+))?$/, handler: deviceHtml },
  { method: 'GET', pattern: /^\/(?:manifest\.webmanifest|sw\.js|icon\.svg|icon-(?:192|512)\.png)$/, handler: appFile },
];

export interface RelayServer {
  server: Server;
  /** Requests being handled now (shutdown waits for them after waking every long-poll). */
  inFlight: Set<Promise<void>>;
}

export function createRelayServer(ctx: RelayContext, tls?: { cert: Buffer; key: Buffer }): RelayServer {
  const inFlight = new Set<Promise<void>>();
  const busy = new BusyLog(ctx);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const done: Promise<void> = dispatch(req, res, ctx)
      .catch((err: unknown) => replyError(req, res, err, ctx))
      .finally(() => {
        inFlight.delete(done);
        const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
        const status = res.statusCode;
        const line = { method: req.method, path: safePath(req.url), status, ms };
        if (status === 503) busy.count(line.path);
        else if (status >= 500) ctx.log.error(line, 'request failed');
        else if (status >= 400) ctx.log.info(line, 'request refused');
        else ctx.log.debug(line, 'request');
      });
    inFlight.add(done);
  };
  const options = { maxHeaderSize: 16 * 1024 };
  const server = tls ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(options, onRequest);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // Open sockets at once: each long-poll holds one, so this is above the long-poll cap (options.ts).
  server.maxConnections = ctx.opts.maxConnections;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('close', () => busy.flush());
  return { server: server as Server, inFlight };
}

/** Refused requests (503) counted by kind of path and logged at most once a BUSY_LOG_EVERY_MS, as one line. */
class BusyLog {
  private counts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: RelayContext) {}

  count(path: string): void {
    // The path's shape only: /api/s/<credential>/events -> /api/s/*/events (the credential is scrubbed anyway).
    const kind = path.replace(/\?.*$/, '').replace(/\/(s|d|sessions)\/[^/]+/g, '/$1/*');
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.timer) return;
    // The first refusal is logged at once (something changed), the rest in the summary a minute later.
    this.flush();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, BUSY_LOG_EVERY_MS).unref();
  }

  flush(): void {
    if (this.counts.size === 0) return;
    const refused = Object.fromEntries(this.counts);
    this.counts = new Map();
    this.ctx.log.info({ status: 503, refused, holding: this.ctx.notifier.holding, maxLongPolls: this.ctx.opts.maxLongPolls }, 'requests refused: the relay is busy');
  }
}

async function dispatch(req: IncomingMessage, res: ServerResponse, ctx: RelayContext): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://relay');
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'the request path is not a valid URL path');
  }
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const m = route.pattern.exec(url.pathname);
    if (!m) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    await route.handler(req, res, ctx, m.slice(1), url);
    return;
  }
  if (allowed.length > 0) {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${allowed.join(' or ')} for this path`, { allow: allowed.join(', ') });
  }
  throw new HttpError(404, 'NOT_FOUND', 'no such endpoint; see docs/relay-protocol.md');
}

function replyError(req: IncomingMessage, res: ServerResponse, thrown: unknown, ctx: RelayContext): void {
  if ((thrown as { aborted?: boolean }).aborted || res.destroyed) return; // the client hung up: nobody to answer
  if (thrown instanceof HttpError) {
    sendError(res, thrown);
    return;
  }
  const code = (thrown as { code?: string })?.code ?? '';
  if (/^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/.test(code)) {
    ctx.log.error({ err: thrown, path: safePath(req.url) }, 'the relay data directory cannot be written');
    sendError(res, new HttpError(507, 'STORAGE', 'the relay cannot store data right now (disk full or read-only); retry later'));
    return;
  }
  ctx.log.error({ err: thrown, path: safePath(req.url) }, 'request failed unexpectedly');
  sendError(res, new HttpError(500, 'INTERNAL', 'internal error in the relay; its log has the details'));
}

// The control API server: HTTP over the unix socket. Reads a capped body, parses it with the verb's zod
// schema, calls the verb's handler and turns any error into a JSON error reply. Input never crashes it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RcdError, type ErrorCode } from '../../common/errors.js';
import { API_VERSION, VERSION } from '../../common/version.js';
import { HEADER_API, HEADER_VERSION, MAX_REQUEST_BYTES, requests, type ErrorBody, type Verb } from '../../protocol/api.js';
import { describeIssues } from '../../protocol/problems.js';
import { STREAMED, type HandlerContext } from './context.js';
import { BodyTooLarge, readCappedBody } from '../../common/capped-body.js';
import { handlers } from './handlers/index.js';

// Local requests answer in milliseconds; a client that sends headers this slowly is stuck or hostile.
const HEADERS_TIMEOUT_MS = 10_000;

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  USAGE: 400, BAD_REQUEST: 400, NOT_FOUND: 404, AMBIGUOUS: 409, CONFLICT: 409, NOT_RUNNING: 409, LIMIT: 429,
  SPAWN_FAILED: 500, INTERNAL: 500, DAEMON_UNAVAILABLE: 503, VERSION_MISMATCH: 400, ALREADY_RUNNING: 409, FORBIDDEN: 403,
};

const isVerb = (v: string): v is Verb => Object.prototype.hasOwnProperty.call(requests, v);

export function createControlServer(ctx: HandlerContext, log: Logger): Server {
  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    res.setHeader(HEADER_VERSION, VERSION);
    res.setHeader(HEADER_API, String(API_VERSION));
    const started = process.hrtime.bigint();
    handle(req, res, ctx)
      .catch((err: unknown) => replyError(res, err, log))
      .finally(() => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log.debug({ method: req.method, path: req.url, status: res.statusCode, ms }, 'request');
      });
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = 0; // `logs --follow` responses stay open for as long as the session runs
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://rcd');
  const match = /^\/v1\/([a-z]+)$/.exec(url.pathname);
  const verb = match?.[1];
  if (!verb || !isVerb(verb)) {
    throw new RcdError('NOT_FOUND', `unknown endpoint ${url.pathname}; the API is POST /v1/<${Object.keys(requests).join('|')}>`);
  }
  if (req.method !== 'POST' && !(req.method === 'GET' && verb === 'status')) {
    res.setHeader('allow', 'POST');
    throw Object.assign(new RcdError('BAD_REQUEST', `use POST /v1/${verb}`), { status: 405 });
  }
  const body = req.method === 'GET' ? '{}' : await readBody(req);
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new RcdError('BAD_REQUEST', 'the request body is not valid JSON');
  }
  const parsed = requests[verb].safeParse(json);
  if (!parsed.success) {
    throw new RcdError('BAD_REQUEST', `bad ${verb} request: ${describeIssues(parsed.error.issues)}`);
  }
  const handler = handlers[verb] as (r: unknown, c: HandlerContext, s: ServerResponse) => unknown;
  const result = await handler(parsed.data, ctx, res);
  if (result === STREAMED) return;
  sendJson(res, 200, result);
}

async function readBody(req: IncomingMessage): Promise<string> {
  try {
    return await readCappedBody(req, MAX_REQUEST_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw Object.assign(new RcdError('BAD_REQUEST', err.message), { status: 413 });
    throw err;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** SQLite errors that mean the state directory cannot be written: say so plainly, not as an internal error. */
export function storageError(err: unknown): RcdError | null {
  const code = (err as { code?: string })?.code ?? '';
  if (!/^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/.test(code)) return null;
  const what = code.startsWith('SQLITE_FULL') ? 'the disk is full' : code.startsWith('SQLITE_READONLY') ? 'the state directory is read-only' : 'the state directory cannot be written';
  return Object.assign(new RcdError('INTERNAL', `${what} (${code}); free space or fix permissions under RCD_HOME, then retry; running agents are not affected`, { cause: err }), { status: 507 });
}

function replyError(res: ServerResponse, thrown: unknown, log: Logger): void {
  if ((thrown as { aborted?: boolean }).aborted || res.destroyed) return; // the client hung up: nobody to answer
  const storage = storageError(thrown);
  if (storage) log.error({ err: thrown }, 'state directory not writable');
  const err = storage ?? thrown;
  const known = err instanceof RcdError;
  if (!known) log.error({ err }, 'request failed unexpectedly');
  const code: ErrorCode = known ? err.code : 'INTERNAL';
  const status = (err as { status?: number }).status ?? STATUS_BY_CODE[code];
  const body: ErrorBody = {
    error: {
      code,
      message: known ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`,
      ...((err as { candidates?: string[] }).candidates ? { candidates: (err as { candidates: string[] }).candidates } : {}),
    },
  };
  sendJson(res, status, body);
}

// The CLI's side of the control API: one HTTP request over the unix socket with node:http (cheap to load,
// unlike undici), the version handshake on every answer, and starting the daemon when none is running.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { RcdError, errnoCode, type ErrorCode } from '../common/errors.js';
import { VERSION } from '../common/version.js';
import { ErrorBody, HEADER_VERSION, requests, responses, type RequestOf, type ResponseOf, type Verb } from '../protocol/api.js';
import { startDaemon } from './autostart.js';
import type { Layout } from '../common/paths.js';

export interface ClientOptions {
  paths: Layout;
  /** Start the daemon when none answers (every command but `shutdown`). */
  autostart: boolean;
}

const NO_DAEMON = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK']);

export class Client {
  constructor(private readonly opts: ClientOptions) {}

  /** Sends one request and returns the parsed JSON answer. */
  async call<V extends Verb>(verb: V, body: RequestOf<V>): Promise<ResponseOf<V>> {
    const res = await this.open(verb, body);
    const text = await readAll(res);
    const json = parseJson(text, verb);
    return responses[verb].parse(json) as ResponseOf<V>;
  }

  /** Sends one request and returns the response stream (for `logs`). */
  async stream<V extends Verb>(verb: V, body: RequestOf<V>): Promise<IncomingMessage> {
    return this.open(verb, body);
  }

  private async open(verb: Verb, body: unknown): Promise<IncomingMessage> {
    const payload = JSON.stringify(requests[verb].parse(body));
    let res: IncomingMessage;
    try {
      res = await send(this.opts.paths.socket, verb, payload);
    } catch (err) {
      if (!NO_DAEMON.has(errnoCode(err) ?? '') || !this.opts.autostart) throw unavailable(err, this.opts.paths.socket);
      await startDaemon(this.opts.paths, () => send(this.opts.paths.socket, 'status', '{}').then((r) => r.resume()));
      res = await send(this.opts.paths.socket, verb, payload);
    }
    const daemonVersion = res.headers[HEADER_VERSION];
    if (verb !== 'shutdown' && daemonVersion !== VERSION) {
      res.resume();
      throw new RcdError(
        'VERSION_MISMATCH',
        `this rcd is ${VERSION} but the daemon running for ${this.opts.paths.home} is ${String(daemonVersion)}; ` +
          'run `rcd shutdown` (agents keep running and are re-adopted) and then your command again',
      );
    }
    if ((res.statusCode ?? 500) >= 400) {
      const text = await readAll(res);
      const parsed = ErrorBody.safeParse(safeJson(text));
      if (parsed.success) throw new RcdError(parsed.data.error.code as ErrorCode, parsed.data.error.message);
      throw new RcdError('INTERNAL', `the daemon answered ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    return res;
  }
}

function send(socketPath: string, verb: string, payload: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        socketPath,
        method: 'POST',
        path: `/v1/${verb}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function unavailable(err: unknown, socket: string): RcdError {
  if (NO_DAEMON.has(errnoCode(err) ?? '')) {
    return new RcdError('DAEMON_UNAVAILABLE', `no rcd daemon is running (socket ${socket})`, { cause: err });
  }
  return new RcdError('DAEMON_UNAVAILABLE', `cannot reach the rcd daemon at ${socket}: ${(err as Error).message}`, { cause: err });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseJson(text: string, verb: string): unknown {
  const json = safeJson(text);
  if (json === undefined) throw new RcdError('INTERNAL', `the daemon sent a malformed answer to ${verb}`);
  return json;
}

// The CLI's side of the control API: JSON calls over the unix socket (raw node:net, see socket-http.ts; never
// undici), the version handshake on every answer, and starting the daemon when none is running.
import type { IncomingMessage } from 'node:http';
import { RcdError, errnoCode, type ErrorCode } from '../common/errors.js';
import type { Layout } from '../common/paths.js';
import { checkSocket } from '../common/private-dir.js';
import { VERSION } from '../common/version.js';
import { ErrorBody, HEADER_VERSION, responses, type RequestOf, type ResponseOf, type Verb } from '../protocol/api.js';
import { describeIssues } from '../protocol/problems.js';
import { requestBody } from './request-check.js';
import { socketRequest, type RawResponse } from './socket-http.js';

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
    const payload = requestBody(verb, body);
    const res = await this.withDaemon(() => this.request(`/v1/${verb}`, payload));
    this.checkVersion(verb, res.headers[HEADER_VERSION]);
    if (res.status >= 400) throw toError(res.status, res.body);
    const json = safeJson(res.body);
    if (json === undefined) throw new RcdError('INTERNAL', `the daemon sent a malformed answer to ${verb}`);
    const answer = responses[verb].safeParse(json);
    if (!answer.success) {
      throw new RcdError('INTERNAL', `the daemon's answer to ${verb} is not what this rcd expects: ${describeIssues(answer.error.issues)}`);
    }
    return answer.data as ResponseOf<V>;
  }

  /** Sends one request and returns the response stream (for `logs`). */
  async stream<V extends Verb>(verb: V, body: RequestOf<V>): Promise<IncomingMessage> {
    const payload = requestBody(verb, body);
    const { request } = await import('node:http');
    const send = () =>
      new Promise<IncomingMessage>((resolve, reject) => {
        this.checkSocket();
        const req = request(
          {
            socketPath: this.opts.paths.socket, method: 'POST', path: `/v1/${verb}`,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          resolve,
        );
        req.on('error', reject);
        req.end(payload);
      });
    const res = await this.withDaemon(send);
    this.checkVersion(verb, res.headers[HEADER_VERSION] as string | undefined);
    if ((res.statusCode ?? 500) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw toError(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'));
    }
    return res;
  }

  /**
   * Nothing is sent over a socket that another user could have planted (see common/private-dir.ts). Throws the
   * ENOENT error when there is no socket yet, which starts the daemon.
   */
  private checkSocket(): void {
    checkSocket(this.opts.paths.socket, this.opts.paths.home);
  }

  private async request(path: string, payload: string): Promise<RawResponse> {
    this.checkSocket();
    return socketRequest(this.opts.paths.socket, path, payload);
  }

  /** Runs `send`; when no daemon answers, starts one (if allowed) and sends again. */
  private async withDaemon<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof RcdError) throw err; // a refusal (an unsafe socket), not a missing daemon
      if (!NO_DAEMON.has(errnoCode(err) ?? '') || !this.opts.autostart) throw unavailable(err, this.opts.paths.socket);
      const { startDaemon } = await import('./autostart.js');
      const probe = (): Promise<RawResponse> => this.request('/v1/status', '{}');
      await startDaemon(this.opts.paths, probe);
      return send();
    }
  }

  private checkVersion(verb: Verb, daemonVersion: string | undefined): void {
    if (verb === 'shutdown' || daemonVersion === VERSION) return;
    throw new RcdError(
      'VERSION_MISMATCH',
      `this rcd is ${VERSION} but the daemon running for ${this.opts.paths.home} is ${String(daemonVersion)}; ` +
        'run `rcd shutdown` (agents keep running and are re-adopted) and then your command again',
    );
  }
}

function toError(status: number, text: string): RcdError {
  const parsed = ErrorBody.safeParse(safeJson(text));
  if (parsed.success) return new RcdError(parsed.data.error.code as ErrorCode, parsed.data.error.message);
  return new RcdError('INTERNAL', `the daemon answered ${status}: ${text.slice(0, 200)}`);
}

function unavailable(err: unknown, socket: string): RcdError {
  if (NO_DAEMON.has(errnoCode(err) ?? '')) {
    return new RcdError('DAEMON_UNAVAILABLE', `no rcd daemon is running (socket ${socket})`, { cause: err });
  }
  return new RcdError('DAEMON_UNAVAILABLE', `cannot reach the rcd daemon at ${socket}: ${(err as Error).message}`, { cause: err });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

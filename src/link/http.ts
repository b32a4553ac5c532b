// The link's HTTP client: node:http(s) with one keep-alive pool (replaced wholesale on wake, when its sockets are
// likely dead), HTTPS_PROXY/HTTP_PROXY/NO_PROXY honoured (src/link/proxy.ts), bodies parsed with the protocol's zod
// schemas. Not undici: it was 17.7 MB of a bare node's memory for this one call (node:http is 1.5 MB, node:https
// 2.6 MB; docs/benchmarks.md, issue #15), and node's own HTTP parser needs no WebAssembly.
import { Agent as HttpAgent, request as httpRequest, type AgentOptions, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgentType } from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { z } from 'zod';
import { isLoopbackHost } from '../common/loopback.js';
import { RelayError } from '../protocol/relay.js';
import { proxyFor, tunnel } from './proxy.js';

// Connections kept to the relay: one long-poll, one upload, one for the occasional session update.
const CONNECTIONS = 4;
// An idle pooled connection is closed after this long (or the relay's own Keep-Alive hint, if shorter).
const KEEP_ALIVE_MS = 30_000;
// node:https (and with it node:tls) only for an https relay: a loopback http relay never pays for TLS.
const require = createRequire(import.meta.url);

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterMs = 0) {
    super(message);
    this.name = 'HttpError';
  }

  /** The relay does not know our credential (a 403 from a proxy in front of it is not that). */
  get unauthorized(): boolean {
    return this.status === 401;
  }

  /**
   * A refusal of one session's request that a retry of the same request would meet again (not the link's fault):
   * bad input, a session or URL the relay will not take, too large, or a limit of the relay's (429 to a session
   * update: this daemon has all the sessions the relay takes; a 429 elsewhere, to register, is backed off).
   */
  get refusesSession(): boolean {
    return [400, 404, 409, 413, 429].includes(this.status);
  }
}

/** Plain http is allowed only to this machine; anything else must be https (docs/architecture.md, guarantee 6). */
export function checkRelayUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed: a mistyped value may still hold a secret (user:password@, a token in the query).
    throw new Error('RCD_RELAY_URL is not a URL; it must look like https://relay.example.com');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol !== 'http:') throw new Error('RCD_RELAY_URL must be an https:// URL (http:// only to this machine)');
  throw new Error(`refusing to link to ${url.origin}: plain http is only allowed to a loopback address; use https`);
}

type Connect = (options: Record<string, unknown>, cb: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined;

/** A keep-alive pool for `origin`, whose connections go through the proxy the environment names, if any. */
function makeAgent(origin: URL): HttpAgent {
  const options: AgentOptions = { keepAlive: true, maxSockets: CONNECTIONS, timeout: KEEP_ALIVE_MS, scheduling: 'lifo' };
  const https = origin.protocol === 'https:';
  const agent: HttpAgent = https
    ? new (require('node:https') as { Agent: new (o: AgentOptions) => HttpsAgentType }).Agent(options)
    : new HttpAgent(options);
  const proxy = proxyFor(origin);
  if (proxy) {
    const direct = (agent as unknown as { createConnection: Connect }).createConnection.bind(agent);
    (agent as unknown as { createConnection: Connect }).createConnection = (opts, cb) => {
      tunnel(proxy, origin.hostname.replace(/^\[|\]$/g, ''), Number(origin.port) || (https ? 443 : 80), (err, socket) => {
        if (err || !socket) return cb(err ?? new Error('no tunnel'));
        // TLS over the tunnel (https's own createConnection, given the socket), or the tunnel itself for http.
        if (!https) return cb(null, socket);
        try {
          cb(null, direct({ ...opts, socket }, () => undefined));
        } catch (e) {
          cb(e as Error);
        }
      });
      return undefined;
    };
  }
  return agent;
}

export class RelayHttp {
  private agent: HttpAgent;

  constructor(private readonly origin: URL, private credential: () => string | null) {
    this.agent = makeAgent(origin);
  }

  /** Drops every pooled connection and starts a fresh pool (after a wake the old sockets are likely dead). */
  renew(): void {
    const old = this.agent;
    this.agent = makeAgent(this.origin);
    old.destroy();
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  async call<T extends z.ZodTypeAny>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    schema: T | null,
    opts: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<z.infer<T>> {
    const credential = this.credential();
    const limit = deadline(opts.timeoutMs, opts.signal);
    let res: Answer;
    try {
      res = await this.send(method, new URL(path, this.origin), body === undefined ? undefined : JSON.stringify(body), credential, limit.signal);
    } catch (err) {
      // The deadline's or the caller's reason, as it was given (a Wake, ETIMEDOUT), not node's AbortError around it.
      throw limit.signal.aborted ? limit.signal.reason : err;
    } finally {
      limit.done();
    }
    if (res.status >= 400) {
      const parsed = RelayError.safeParse(safeJson(res.text));
      const err = parsed.success ? parsed.data.error : { code: 'HTTP', message: res.text.slice(0, 200) };
      // retry-after-ms (the relay's, finer than Retry-After's whole seconds) when there is one; both capped at 5 minutes.
      const retryAfter = Number(res.retryAfter);
      const exact = Number(res.retryAfterMs);
      const retryAfterMs = Number.isFinite(exact) && exact > 0 ? Math.min(Math.ceil(exact), 300_000)
        : Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 300) * 1000 : 0;
      throw new HttpError(res.status, err.code, `the relay answered ${res.status}: ${err.message}`, retryAfterMs);
    }
    if (!schema) return undefined;
    return schema.parse(safeJson(res.text));
  }

  private send(method: string, url: URL, body: string | undefined, credential: string | null, signal: AbortSignal) {
    const request = url.protocol === 'https:' ? (require('node:https') as { request: typeof httpRequest }).request : httpRequest;
    return new Promise<Answer>((resolve, reject) => {
      const req = request(url, {
        method, agent: this.agent, signal,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        },
      }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({
          status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], retryAfterMs: header(res, 'retry-after-ms'), text: Buffer.concat(chunks).toString('utf8'),
        }));
        res.once('error', reject);
        // Closed before its end: a dropped connection (a resolved promise ignores this reject).
        res.once('close', () => {
          if (!res.complete) reject(Object.assign(new Error('the relay closed the connection mid-answer'), { code: 'ECONNRESET' }));
        });
      });
      req.once('error', reject);
      req.end(body);
    });
  }
}

/** A relay's answer as the link reads it. */
interface Answer { status: number; retryAfter: string | undefined; retryAfterMs: string | undefined; text: string }

/** One header's value (the first, when repeated). */
function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The whole call (headers and body) must end within `ms`: one unref'd native timer aborts it, with an error that
 * says so; the caller's own abort (a wake, closing) passes through with its reason.
 */
function deadline(ms: number, outer: AbortSignal | undefined): { signal: AbortSignal; done: () => void } {
  const ctl = new AbortController();
  const onOuter = () => ctl.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  const timer = setTimeout(() => ctl.abort(Object.assign(new Error(`the relay did not answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  timer.unref();
  return {
    signal: ctl.signal,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A network or HTTP failure in one line, with its code when there is one ("connect ECONNREFUSED … (ECONNREFUSED)"). */
export function describeError(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  return code ? `${e.message ?? 'error'} (${code})` : (e.message ?? String(err));
}

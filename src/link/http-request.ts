// One HTTP request from the daemon, over node:http(s): the relay link's calls (src/link/http.ts) and the webhooks
// (src/daemon/remote/notify.ts). HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured through a CONNECT tunnel
// (src/link/proxy.ts). Not undici nor Node's global fetch (undici inside): loading it costs an idle daemon ~11–18 MB,
// and its HTTP parser is WebAssembly, which the daemon runs without (--jitless; docs/benchmarks.md, issue #15).
import { Agent as HttpAgent, request as httpRequest, type AgentOptions, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgentType } from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { proxyFor, tunnel } from './proxy.js';

// node:https (and with it node:tls) only for an https URL: a loopback http relay never pays for TLS.
const require = createRequire(import.meta.url);

type Connect = (options: Record<string, unknown>, cb: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined;

/**
 * A connection pool for `origin` (keep-alive when `keepAliveMs` says how long an idle connection stays open; else
 * one connection per request), whose connections go through the proxy the environment names for it, if any.
 */
export function makeAgent(origin: URL, opts: { maxSockets: number; keepAliveMs?: number }): HttpAgent {
  const options: AgentOptions = opts.keepAliveMs
    ? { keepAlive: true, maxSockets: opts.maxSockets, timeout: opts.keepAliveMs, scheduling: 'lifo' }
    : { keepAlive: false, maxSockets: opts.maxSockets };
  const https = origin.protocol === 'https:';
  const agent: HttpAgent = https
    ? new (require('node:https') as { Agent: new (o: AgentOptions) => HttpsAgentType }).Agent(options)
    : new HttpAgent(options);
  const proxy = proxyFor(origin);
  if (proxy) {
    const direct = (agent as unknown as { createConnection: Connect }).createConnection.bind(agent);
    (agent as unknown as { createConnection: Connect }).createConnection = (o, cb) => {
      tunnel(proxy, origin.hostname.replace(/^\[|\]$/g, ''), Number(origin.port) || (https ? 443 : 80), (err, socket) => {
        if (err || !socket) return cb(err ?? new Error('no tunnel'));
        // TLS over the tunnel (https's own createConnection, given the socket), or the tunnel itself for http.
        if (!https) return cb(null, socket);
        try {
          cb(null, direct({ ...o, socket }, () => undefined));
        } catch (e) {
          cb(e as Error);
        }
      });
      return undefined;
    };
  }
  return agent;
}

/** An answer, read whole. */
export interface Answer { status: number; headers: IncomingMessage['headers']; text: string }

export interface RequestInit {
  method: string;
  agent: HttpAgent;
  headers?: Record<string, string>;
  /** Sent with content-length; JSON unless `headers` says otherwise. */
  body?: string;
  signal: AbortSignal;
}

/** Sends one request through `init.agent` and reads the whole answer (any status); rejects on a network failure. */
export function send(url: URL, init: RequestInit): Promise<Answer> {
  const request = url.protocol === 'https:' ? (require('node:https') as { request: typeof httpRequest }).request : httpRequest;
  const { body } = init;
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, {
      method: init.method, agent: init.agent, signal: init.signal,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
        ...init.headers,
      },
    }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
      // Closed before its end: a dropped connection (a resolved promise ignores this reject).
      res.once('close', () => {
        if (!res.complete) reject(Object.assign(new Error('the server closed the connection mid-answer'), { code: 'ECONNRESET' }));
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** One header's value (the first, when repeated). */
export function header(answer: Answer, name: string): string | undefined {
  const v = answer.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The whole call (headers and body) must end within `ms`: one unref'd native timer aborts it, with an error that
 * says so (`what` did not answer within …); the caller's own abort (a wake, closing) passes through with its reason.
 */
export function deadline(ms: number, outer: AbortSignal | undefined, what: string): { signal: AbortSignal; done: () => void } {
  const ctl = new AbortController();
  const onOuter = () => ctl.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  const timer = setTimeout(() => ctl.abort(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  timer.unref();
  return {
    signal: ctl.signal,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

// The link's HTTP client: node:http(s) with one keep-alive pool (replaced wholesale on wake, when its sockets are
// likely dead), HTTPS_PROXY/HTTP_PROXY/NO_PROXY honoured (src/link/proxy.ts), bodies parsed with the protocol's zod
// schemas. Not undici: it was 17.7 MB of a bare node's memory for this one call (node:http is 1.5 MB, node:https
// 2.6 MB; docs/benchmarks.md, issue #15), and node's own HTTP parser needs no WebAssembly.
import type { Agent as HttpAgent } from 'node:http';
import type { z } from 'zod';
import { isLoopbackHost } from '../common/loopback.js';
import { RelayError } from '../protocol/relay.js';
import { deadline, header, makeAgent, send, type Answer } from './http-request.js';

// Connections kept to the relay: one long-poll, one upload, one for the occasional session update.
const CONNECTIONS = 4;
// An idle pooled connection is closed after this long (or the relay's own Keep-Alive hint, if shorter).
const KEEP_ALIVE_MS = 30_000;

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

/** The relay's keep-alive pool. */
const relayAgent = (origin: URL): HttpAgent => makeAgent(origin, { maxSockets: CONNECTIONS, keepAliveMs: KEEP_ALIVE_MS });

export class RelayHttp {
  private agent: HttpAgent;

  constructor(private readonly origin: URL, private credential: () => string | null) {
    this.agent = relayAgent(origin);
  }

  /** Drops every pooled connection and starts a fresh pool (after a wake the old sockets are likely dead). */
  renew(): void {
    const old = this.agent;
    this.agent = relayAgent(this.origin);
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
    const limit = deadline(opts.timeoutMs, opts.signal, 'the relay');
    let res: Answer;
    try {
      res = await send(new URL(path, this.origin), {
        method, agent: this.agent, signal: limit.signal,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: credential ? { authorization: `Bearer ${credential}` } : {},
      });
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
      const retryAfter = Number(header(res, 'retry-after'));
      const exact = Number(header(res, 'retry-after-ms'));
      const retryAfterMs = Number.isFinite(exact) && exact > 0 ? Math.min(Math.ceil(exact), 300_000)
        : Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 300) * 1000 : 0;
      throw new HttpError(res.status, err.code, `the relay answered ${res.status}: ${err.message}`, retryAfterMs);
    }
    if (!schema) return undefined;
    return schema.parse(safeJson(res.text));
  }

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

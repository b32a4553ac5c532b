// The link's HTTP client: undici with one long-lived connection pool (replaced wholesale on wake, when its
// sockets are likely dead), HTTPS_PROXY/NO_PROXY honoured, bodies parsed with the protocol's zod schemas.
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { isLoopbackHost } from '../common/loopback.js';
import { RelayError } from '../protocol/relay.js';

// Connections kept to the relay: one long-poll, one upload, one for the occasional session update.
const CONNECTIONS = 4;
// undici's own headersTimeout/bodyTimeout: 0 turns them off. Any of them over 1 s is one of undici's "fast timers",
// and while one is armed undici ticks every 499 ms: the long poll, held ~25 s and asked again at once, kept that
// tick going forever (2 of an idle daemon's ~7 wake-ups a second). Each call's deadline is one native timer
// instead (`deadline` below), armed once and cleared when the call ends.
const UNDICI_TIMEOUTS_OFF = 0;

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

export class RelayHttp {
  private dispatcher: Dispatcher = this.makeDispatcher();

  constructor(private readonly origin: URL, private credential: () => string | null) {}

  private makeDispatcher(): Dispatcher {
    return new EnvHttpProxyAgent({ connections: CONNECTIONS, keepAliveTimeout: 30_000 });
  }

  /** Drops every pooled connection and starts a fresh pool (after a wake the old sockets are likely dead). */
  renew(): void {
    const old = this.dispatcher;
    this.dispatcher = this.makeDispatcher();
    void old.destroy().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => undefined);
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
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(new URL(path, this.origin), {
        method,
        dispatcher: this.dispatcher,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: limit.signal,
        headersTimeout: UNDICI_TIMEOUTS_OFF,
        bodyTimeout: UNDICI_TIMEOUTS_OFF,
      });
      text = await res.body.text();
    } finally {
      limit.done();
    }
    if (res.statusCode >= 400) {
      const parsed = RelayError.safeParse(safeJson(text));
      const err = parsed.success ? parsed.data.error : { code: 'HTTP', message: text.slice(0, 200) };
      const retryAfter = Number(res.headers['retry-after']);
      const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 300) * 1000 : 0;
      throw new HttpError(res.statusCode, err.code, `the relay answered ${res.statusCode}: ${err.message}`, retryAfterMs);
    }
    if (!schema) return undefined;
    return schema.parse(safeJson(text));
  }
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

// The remote client's HTTP side: knows nothing but a session URL (`<relay origin>/s/<token>`) and talks only to
// the relay, with the protocol's schemas. Errors say what the URL's state is (unknown, rotated, revoked, expired)
// or that the relay cannot be reached.
import type { z } from 'zod';
import { RcdError } from '../common/errors.js';
import { RelayError } from '../protocol/relay.js';

// Above the relay's 25 s long-poll hold plus a slow round trip (POLL_DEADLINE_MS in the protocol).
const LONG_POLL_TIMEOUT_MS = 40_000;
const CALL_TIMEOUT_MS = 15_000;

export interface SessionUrl {
  api: string; // `<origin><prefix>/api/s/<token>`
  origin: string;
}

export function parseSessionUrl(raw: string): SessionUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RcdError('USAGE', `"${raw}" is not a URL; pass the session URL that \`rcd url\` printed`);
  }
  const m = /^(.*)\/s\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname);
  if (!m || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new RcdError('USAGE', `"${raw}" is not a session URL (<relay>/s/<token>); pass the URL that \`rcd url\` printed`);
  }
  return { api: `${url.origin}${m[1]}/api/s/${m[2]}`, origin: url.origin };
}

const WHY: Record<string, string> = {
  UNKNOWN_URL: 'the relay does not know this URL (mistyped, or never issued)',
  ROTATED: 'this URL was replaced by a newer one (`rcd url SESSION` on the owner\'s machine prints it)',
  REVOKED: 'remote access to this session was revoked by its owner',
  EXPIRED: 'this URL has expired; its owner can issue a new one with `rcd url SESSION --rotate`',
};

export async function relayCall<T extends z.ZodTypeAny>(
  target: SessionUrl,
  path: string,
  schema: T,
  init: { method?: 'GET' | 'POST'; body?: unknown; longPoll?: boolean } = {},
): Promise<{ status: number; data: z.infer<T> }> {
  let res: Response;
  try {
    res = await fetch(target.api + path, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.longPoll ? LONG_POLL_TIMEOUT_MS : CALL_TIMEOUT_MS),
    });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout, "bad port") is in its cause.
    const c = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (err as Error).message;
    throw new RcdError('DAEMON_UNAVAILABLE', `cannot reach the relay at ${target.origin} (${cause})`, { cause: err });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status >= 400) {
    const e = RelayError.safeParse(json);
    const code = e.success ? e.data.error.code : `HTTP_${res.status}`;
    const message = WHY[code] ?? (e.success ? e.data.error.message : `the relay answered ${res.status}`);
    throw new RcdError(res.status === 409 ? 'CONFLICT' : 'NOT_FOUND', message);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RcdError('INTERNAL', `the relay at ${target.origin} sent an answer this rcd does not understand`);
  return { status: res.status, data: parsed.data };
}

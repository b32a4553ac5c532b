// The remote client's HTTP side: knows nothing but a session URL (`<relay origin>/s/<id>#<key>`) or a device URL
// (`<relay origin>/d/<id>#<key>`) and talks only to the relay, with the protocol's schemas. Errors say what the URL's state is (unknown, rotated, revoked, expired)
// or that the relay cannot be reached. Every request carries the credential derived from the key (in its path), so
// it goes over https, or plain http to this machine only, and never follows a redirect to wherever a relay (or a
// proxy) points.
import type { z } from 'zod';
import { RcdError } from '../common/errors.js';
import { isPlainHttpOffMachine } from '../common/loopback.js';
import { BadSessionUrl, apiBase, deviceSession, isSessionUrl, parseRemoteUrl, type DeviceUrl, type Scope, type SessionUrl as ParsedUrl } from '../e2e/url.js';
import { RelayError } from '../protocol/relay.js';

// Above the relay's 25 s long-poll hold plus a slow round trip (POLL_DEADLINE_MS in the protocol).
const LONG_POLL_TIMEOUT_MS = 40_000;
const CALL_TIMEOUT_MS = 15_000;

export interface SessionUrl {
  /** `<origin><prefix>/api/s/<credential>` (or `/api/d/<credential>/s/<id>`): the credential derives from the key after # (never sent itself). */
  api: string;
  origin: string;
  scope: Scope;
  /** The parsed URL, its key included: what opens the session's sealed events (never sent). */
  url: ParsedUrl;
}

/** A device URL: `api` is `<origin><prefix>/api/d/<credential>`, which lists the daemon's sessions. */
export interface DeviceTarget {
  api: string;
  origin: string;
  scope: Scope;
  device: DeviceUrl;
}

/**
 * The relay endpoint a session or device URL opens. Never echoes the URL: its fragment is the key. A malformed URL
 * is a usage error (exit 2); one of the older form (no key after #) no longer works (exit 1, like a rotated one).
 */
export async function resolveRemoteUrl(raw: string): Promise<SessionUrl | DeviceTarget> {
  let url: ParsedUrl | DeviceUrl;
  try {
    url = parseRemoteUrl(raw);
  } catch (err) {
    if (!(err instanceof BadSessionUrl)) throw err;
    throw new RcdError(err.outdated ? 'NOT_FOUND' : 'USAGE', err.message);
  }
  // As the daemon's link refuses it: the credential would cross the network readable by anyone on the way.
  if (isPlainHttpOffMachine(new URL(url.origin))) {
    throw new RcdError(
      'USAGE',
      `refusing to send this session URL's credential over plain http to ${url.origin}, which is not this machine; ` +
        'use its https:// URL (plain http is only for a relay on this machine)',
    );
  }
  const api = await apiBase(url);
  return isSessionUrl(url) ? { api, origin: url.origin, scope: url.scope, url } : { api, origin: url.origin, scope: url.scope, device: url };
}

/** One session of a device URL, as a target of its own (`<prefix>/api/d/<credential>/s/<id>`). */
export function sessionOfDevice(d: DeviceTarget, sessionId: string): SessionUrl {
  return { api: `${d.api}/s/${sessionId}`, origin: d.origin, scope: d.scope, url: deviceSession(d.device, sessionId) };
}

export const isDeviceTarget = (t: SessionUrl | DeviceTarget): t is DeviceTarget => 'device' in t;

/** Steering needs a control URL: a view URL is refused here, before the relay refuses it too. */
export function mustSteer(target: SessionUrl): void {
  if (target.scope !== 'control') {
    throw new RcdError('CONFLICT', 'this is a view-only URL: it reads the session, it cannot send to it or answer for it; ask the owner for the control URL (`rcd url SESSION`)');
  }
}

const WHY: Record<string, string> = {
  UNKNOWN_URL: 'the relay does not know this URL (mistyped, or never issued)',
  ROTATED: 'this URL was replaced by a newer one (`rcd url SESSION` on the owner\'s machine prints it)',
  REVOKED: 'remote access to this session was revoked by its owner',
  EXPIRED: 'this URL has expired; its owner can issue a new one with `rcd url SESSION --rotate`',
};

/** The relay is busy or limits this URL for now (429/503) and says when to ask again: a send may wait and retry. */
export class RelayBusy extends RcdError {
  constructor(message: string, readonly retryAfterMs: number) {
    super('LIMIT', message);
  }
}

export async function relayCall<T extends z.ZodTypeAny>(
  target: Pick<SessionUrl, 'api' | 'origin'>,
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
      redirect: 'manual', // a redirect would take the token (in the path, or a prompt in the body) elsewhere
    });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout, "bad port") is in its cause.
    const c = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (err as Error).message;
    throw new RcdError('DAEMON_UNAVAILABLE', `cannot reach the relay at ${target.origin} (${cause})`, { cause: err });
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    // Not DAEMON_UNAVAILABLE: a send retries that, and asking again would only be redirected again.
    throw new RcdError(
      'INTERNAL',
      `the relay at ${target.origin} answered ${res.status}, a redirect to ${locationOrigin(res.headers.get('location'), target.origin)}; ` +
        'rcd remote does not follow redirects, as its requests carry the session\'s token: check the URL (`rcd url SESSION` prints the current one)',
    );
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
    const retryAfter = res.headers.get('retry-after');
    if ((res.status === 429 || res.status === 503) && retryAfter !== null && /^\d+$/.test(retryAfter)) throw new RelayBusy(message, Number(retryAfter) * 1000);
    throw new RcdError(res.status === 409 ? 'CONFLICT' : 'NOT_FOUND', message);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RcdError('INTERNAL', `the relay at ${target.origin} sent an answer this rcd does not understand`);
  return { status: res.status, data: parsed.data };
}

/** Where a redirect points, as an origin only: its path and query may hold the token, or someone else's. */
function locationOrigin(location: string | null, base: string): string {
  if (!location) return 'nowhere (no Location)';
  try {
    const { origin } = new URL(location, base);
    return origin === 'null' ? 'an address that is not a web origin' : origin;
  } catch {
    return 'an unreadable Location';
  }
}

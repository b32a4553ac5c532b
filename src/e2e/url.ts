// Remote URLs. A session URL is `<relay origin>/s/<session id>#c.<control secret>` (read and steer) or
// `...#v.<view secret>` (read only); a device URL, `<relay origin>/d/<daemon id>#c.<secret>` (or `#v.`), opens every
// session of one daemon, each at `<relay origin>/d/<daemon id>/s/<session id>#<the device URL's fragment>`. The
// secret travels after `#`, which browsers never send and `rcd remote` strips before any request; the relay is
// given only a credential derived from it (keys.ts), and keeps only that credential's hash.
import { fromBase64url, toBase64url } from './encoding.js';
import { SECRET_BYTES, controlKeys, viewKeys } from './keys.js';
import type { Bytes } from './webcrypto.js';

export type Scope = 'control' | 'view';

/** What a URL's fragment and origin give, whichever kind of URL it is. */
interface UrlKey {
  /** `<origin><path prefix>`: where the relay's API is. */
  base: string;
  origin: string;
  scope: Scope;
  secret: Bytes;
}

/** A session, opened by its own URL (`device: null`) or by its daemon's device URL (`device`: the daemon id). */
export interface SessionUrl extends UrlKey {
  sessionId: string;
  device: string | null;
}

/** A daemon's device URL, without a session: it lists the daemon's sessions. */
export interface DeviceUrl extends UrlKey {
  daemonId: string;
}

const ID = /^[0-9a-f]{16}$/;
const FRAGMENT = /^([cv])\.([A-Za-z0-9_-]{43})$/;

/** Why a string is not a remote URL, in words for the person who pasted it (`outdated`: a URL of the older form). */
export class BadSessionUrl extends Error {
  constructor(message: string, readonly outdated = false) {
    super(message);
    this.name = 'BadSessionUrl';
  }
}

const fragmentOf = (scope: Scope, secret: Bytes): string => `#${scope === 'control' ? 'c' : 'v'}.${toBase64url(secret)}`;

export function formatSessionUrl(base: string, sessionId: string, scope: Scope, secret: Bytes): string {
  return `${base.replace(/\/+$/, '')}/s/${sessionId}${fragmentOf(scope, secret)}`;
}

export function formatDeviceUrl(base: string, daemonId: string, scope: Scope, secret: Bytes, sessionId?: string): string {
  return `${base.replace(/\/+$/, '')}/d/${daemonId}${sessionId ? `/s/${sessionId}` : ''}${fragmentOf(scope, secret)}`;
}

/** A session URL, or a device URL's (`/d/<daemon>`) or one of its sessions' (`/d/<daemon>/s/<session>`). */
export function parseRemoteUrl(raw: string): SessionUrl | DeviceUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadSessionUrl('that is not a URL; pass the URL that `rcd url` printed');
  }
  const m = /^(.*?)(?:\/d\/([^/]+))?(?:\/s\/([^/]+))?\/?$/.exec(url.pathname);
  const [prefix, daemon, session] = [m?.[1] ?? '', m?.[2], m?.[3]];
  if ((daemon === undefined && session === undefined) || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new BadSessionUrl('that is not a session URL (<relay>/s/<id>#<key>) or a device URL (<relay>/d/<id>#<key>); pass the URL that `rcd url` printed');
  }
  const fragment = FRAGMENT.exec(url.hash.slice(1));
  const ids = [daemon, session].filter((x) => x !== undefined);
  if (!ids.every((x) => ID.test(x)) || !fragment) {
    // A version-1 URL carried its token in the path and had no fragment.
    const outdated = daemon === undefined && url.hash === '' && /^[A-Za-z0-9_-]{43}$/.test(session ?? '');
    throw new BadSessionUrl(outdated
      ? 'this session URL is from an older rcd and no longer works; ask its owner for the current one (`rcd url SESSION`)'
      : 'this URL is incomplete: its key (the part after #) is missing or cut; copy the whole URL `rcd url` printed', outdated);
  }
  const secret = fromBase64url(fragment[2] as string);
  if (secret.length !== SECRET_BYTES) throw new BadSessionUrl('this URL\'s key is damaged; copy the whole URL `rcd url` printed');
  const key: UrlKey = { base: `${url.origin}${prefix}`, origin: url.origin, scope: fragment[1] === 'c' ? 'control' : 'view', secret };
  if (session === undefined) return { ...key, daemonId: daemon as string };
  return { ...key, sessionId: session, device: daemon ?? null };
}

/** A session URL (its own, or a device URL's session); a URL of the whole device is refused. */
export function parseSessionUrl(raw: string): SessionUrl {
  const u = parseRemoteUrl(raw);
  if (!isSessionUrl(u)) throw new BadSessionUrl('this is a device URL: name one of its sessions (`rcd remote status DEVICE_URL` lists them)');
  return u;
}

export const isSessionUrl = (u: SessionUrl | DeviceUrl): u is SessionUrl => 'sessionId' in u;

/** One session of a device URL. */
export const deviceSession = (d: DeviceUrl, sessionId: string): SessionUrl => ({
  base: d.base, origin: d.origin, scope: d.scope, secret: d.secret, sessionId, device: d.daemonId,
});

/**
 * The credential a client of this URL sends to the relay (in the API path): the steer credential for a control URL
 * (it opens reading too), the read credential for a view URL.
 */
export async function urlCredential(u: Pick<UrlKey, 'scope' | 'secret'>): Promise<string> {
  return u.scope === 'control' ? (await controlKeys(u.secret)).steerCredential : (await viewKeys(u.secret)).readCredential;
}

/** Where the relay's API for this URL is: `<base>/api/s/<credential>`, `<base>/api/d/<credential>[/s/<session>]`. */
export async function apiBase(u: SessionUrl | DeviceUrl): Promise<string> {
  const credential = await urlCredential(u);
  if (!isSessionUrl(u)) return `${u.base}/api/d/${credential}`;
  return u.device ? `${u.base}/api/d/${credential}/s/${u.sessionId}` : `${u.base}/api/s/${credential}`;
}

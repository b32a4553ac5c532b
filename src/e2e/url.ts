// Session URLs: `<relay origin>/s/<session id>#c.<control secret>` (read and steer) and `...#v.<view secret>`
// (read only). The secret travels after `#`, which browsers never send and `rcd remote` strips before any request;
// the relay is given only a credential derived from it (keys.ts), and keeps only that credential's hash.
import { fromBase64url, toBase64url } from './encoding.js';
import { SECRET_BYTES, controlKeys, viewKeys } from './keys.js';
import type { Bytes } from './webcrypto.js';

export type Scope = 'control' | 'view';

export interface SessionUrl {
  /** `<origin><path prefix>`: where the relay's API is (`<base>/api/s/<credential>`). */
  base: string;
  origin: string;
  sessionId: string;
  scope: Scope;
  secret: Bytes;
}

const SESSION_ID = /^[0-9a-f]{16}$/;
const FRAGMENT = /^([cv])\.([A-Za-z0-9_-]{43})$/;

/** Why a string is not a session URL, in words for the person who pasted it (`outdated`: a URL of the older form). */
export class BadSessionUrl extends Error {
  constructor(message: string, readonly outdated = false) {
    super(message);
    this.name = 'BadSessionUrl';
  }
}

export function formatSessionUrl(base: string, sessionId: string, scope: Scope, secret: Bytes): string {
  return `${base.replace(/\/+$/, '')}/s/${sessionId}#${scope === 'control' ? 'c' : 'v'}.${toBase64url(secret)}`;
}

export function parseSessionUrl(raw: string): SessionUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadSessionUrl('that is not a URL; pass the session URL that `rcd url` printed');
  }
  const m = /^(.*)\/s\/([^/]+)\/?$/.exec(url.pathname);
  if (!m || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new BadSessionUrl('that is not a session URL (<relay>/s/<id>#<key>); pass the URL that `rcd url` printed');
  }
  const fragment = FRAGMENT.exec(url.hash.slice(1));
  if (!SESSION_ID.test(m[2] ?? '') || !fragment) {
    // A version-1 URL carried its token in the path and had no fragment.
    const outdated = url.hash === '' && /^[A-Za-z0-9_-]{43}$/.test(m[2] ?? '');
    throw new BadSessionUrl(outdated
      ? 'this session URL is from an older rcd and no longer works; ask its owner for the current one (`rcd url SESSION`)'
      : 'this session URL is incomplete: its key (the part after #) is missing or cut; copy the whole URL `rcd url` printed', outdated);
  }
  const secret = fromBase64url(fragment[2] as string);
  if (secret.length !== SECRET_BYTES) throw new BadSessionUrl('this session URL\'s key is damaged; copy the whole URL `rcd url` printed');
  return { base: `${url.origin}${m[1]}`, origin: url.origin, sessionId: m[2] as string, scope: fragment[1] === 'c' ? 'control' : 'view', secret };
}

/**
 * The credential a client of this URL sends to the relay (in the API path): the steer credential for a control URL
 * (it opens reading too), the read credential for a view URL.
 */
export async function urlCredential(u: Pick<SessionUrl, 'scope' | 'secret'>): Promise<string> {
  return u.scope === 'control' ? (await controlKeys(u.secret)).steerCredential : (await viewKeys(u.secret)).readCredential;
}

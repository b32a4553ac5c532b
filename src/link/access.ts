// What the relay is told of a session's access: the hashes of the credentials derived from its URL's key, the
// expiry, and the session's content keys — every epoch, so a new URL reads the whole history — wrapped under that
// URL's key (the envelope a follower opens to read the sealed events). Nothing here can be used by the relay to read
// or steer: it lacks the URL's key.
import { fromBase64url } from '../e2e/encoding.js';
import { wrapKeys } from '../e2e/envelope.js';
import { controlKeys } from '../e2e/keys.js';
import { SESSION_URL_ENVELOPE } from '../e2e/records.js';
import type { Access, LinkStore } from '../store/link-store.js';

/**
 * The newest epochs an envelope carries: every rotation adds one, and the relay takes envelopes of up to 16 KiB
 * (src/protocol/relay.ts), about 200 keys. A URL issued after more rotations than this cannot read events sealed
 * before the oldest of them.
 */
export const MAX_ENVELOPE_EPOCHS = 160;

export interface RelayAccess {
  tokenHash: string;
  readHash: string | null;
  expiresAt: string | null;
  envelope: string;
}

/**
 * The access to push for a session, or null when it has no URL (never shared, or revoked). `read` is the access the
 * caller read; when the URL was replaced or revoked since (the link seals the session's view in between, an await),
 * the access there is now goes up instead: the old URL's envelope must never hold the epoch its replacement began.
 * The caller's confirmation, keyed on the hash it read, then waits for its next push.
 */
export async function relayAccess(store: LinkStore, sessionId: string, read: Access | undefined): Promise<RelayAccess | null> {
  const now = store.access(sessionId);
  const a = now?.token === read?.token ? read : now;
  if (!a?.token || !a.tokenHash || a.revokedAt) return null;
  // Read with `now`, in one synchronous stretch: the keys a URL current at this moment may hold.
  const keys = store.contentKeys(sessionId).slice(-MAX_ENVELOPE_EPOCHS).map((k) => ({ epoch: k.epoch, raw: fromBase64url(k.key), from: k.from }));
  const { wrapKey } = await controlKeys(fromBase64url(a.token));
  const envelope = await wrapKeys(wrapKey, keys, sessionId, SESSION_URL_ENVELOPE);
  return { tokenHash: a.tokenHash, readHash: a.readHash, expiresAt: a.expiresAt, envelope };
}

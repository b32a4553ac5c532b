// A session's content keys, wrapped for one URL: sealed under that URL's wrap key and bound to the session and the
// URL, so the relay can hand each follower the envelope of the URL it came with and learn nothing from it. The list
// grows by one key at each rotation (older events stay readable to whoever may read the session now).
import type { Bytes, CryptoKey } from './webcrypto.js';
import { fromBase64url, fromUtf8, toBase64url, utf8 } from './encoding.js';
import { contexts, open, seal } from './seal.js';



export interface ContentKey {
  /** Which key sealed a record: records carry it next to the ciphertext. */
  epoch: number;
  raw: Bytes;
  /** The first event seq this key seals; the next epoch's `from` ends its range (records.ts refuses outside it). */
  from?: number;
}

export function wrapKeys(wrapKey: CryptoKey, keys: readonly ContentKey[], session: string, url: string): Promise<string> {
  const doc = JSON.stringify(keys.map((k) => ({ epoch: k.epoch, key: toBase64url(k.raw), ...(k.from !== undefined ? { from: k.from } : {}) })));
  return seal(wrapKey, utf8(doc), contexts.envelope(session, url));
}

/** The content keys in an envelope; throws OpenFailed when it does not authenticate. */
export async function unwrapKeys(wrapKey: CryptoKey, envelope: string, session: string, url: string): Promise<ContentKey[]> {
  const doc = JSON.parse(fromUtf8(await open(wrapKey, envelope, contexts.envelope(session, url)))) as { epoch: number; key: string; from?: unknown }[];
  return doc.map((k) => ({ epoch: k.epoch, raw: fromBase64url(k.key), ...(typeof k.from === 'number' ? { from: k.from } : {}) }));
}

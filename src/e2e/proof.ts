// Proof of the control secret on every instruction: an HMAC-SHA256, under a key derived from the control secret,
// over the instruction's session, kind, client nonce and sealed payload. The relay and a view-URL holder never have
// that key, so neither can make an instruction the daemon accepts; the nonce, remembered by the daemon, makes a
// replayed instruction (a relay re-sending an old one under a new id) refused.
import type { Bytes, CryptoKey } from './webcrypto.js';
import { fromBase64url, toBase64url, utf8 } from './encoding.js';



export interface ProvedFields {
  session: string;
  kind: string;
  /** Unique per instruction, chosen by the client (its idempotency key). */
  nonce: string;
  /** The sealed payload, as sent. */
  payload: string;
}

// Length-prefixed fields: no two different field lists give the same message.
export const message = (f: ProvedFields) => utf8(['rcd-instruction-v2', f.session, f.kind, f.nonce, f.payload].map((s) => `${s.length}:${s}`).join(''));

export async function prove(proofKey: CryptoKey, fields: ProvedFields): Promise<string> {
  return toBase64url(new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', proofKey, message(fields))));
}

/** True only for a proof made with this key over exactly these fields (WebCrypto's verify compares in constant time). */
export async function verifyProof(proofKey: CryptoKey, fields: ProvedFields, proof: string): Promise<boolean> {
  let mac: Bytes;
  try {
    mac = fromBase64url(proof);
  } catch {
    return false;
  }
  return globalThis.crypto.subtle.verify('HMAC', proofKey, mac, message(fields));
}

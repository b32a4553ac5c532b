// Authenticated encryption of records (AES-256-GCM, WebCrypto). A sealed record is `<iv>.<ciphertext+tag>` in
// base64url. The IV is 96 random bits per record: with one content key per session (and per rotation), the
// number of records per key stays far below the 2^32 at which random GCM nonces would need counting. Every record
// is bound to where it belongs by its additional data (`context`): a relay that moves a ciphertext to another
// session or sequence number makes it fail to open, exactly like a flipped bit.
import type { Bytes, CryptoKey } from './webcrypto.js';
import { fromBase64url, toBase64url, utf8 } from './encoding.js';



const IV_BYTES = 12;
const subtle = () => globalThis.crypto.subtle;

/** Thrown for any record that does not open: tampered, truncated, moved, or sealed under another key. */
export class OpenFailed extends Error {
  constructor(readonly context: string) {
    super(`a record did not authenticate (${context.split('|')[0] ?? 'record'}): altered, moved or under another key`);
    this.name = 'OpenFailed';
  }
}

export function importContentKey(raw: Bytes): Promise<CryptoKey> {
  return subtle().importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** A fresh random content key: its raw bytes (to wrap for URLs and keep in the daemon's database) and the key. */
export async function newContentKey(): Promise<{ raw: Bytes; key: CryptoKey }> {
  const raw = globalThis.crypto.getRandomValues(new Uint8Array(32));
  return { raw, key: await importContentKey(raw) };
}

export async function seal(key: CryptoKey, plaintext: Bytes, context: string): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: utf8(context) }, key, plaintext));
  return `${toBase64url(iv)}.${toBase64url(ct)}`;
}

export async function open(key: CryptoKey, sealed: string, context: string): Promise<Bytes> {
  const dot = sealed.indexOf('.');
  let iv: Bytes;
  let ct: Bytes;
  try {
    iv = fromBase64url(sealed.slice(0, dot));
    ct = fromBase64url(sealed.slice(dot + 1));
  } catch {
    throw new OpenFailed(context);
  }
  if (dot < 0 || iv.length !== IV_BYTES) throw new OpenFailed(context);
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: utf8(context) }, key, ct));
  } catch {
    throw new OpenFailed(context);
  }
}

/** Where a record belongs, as its additional data. Ids are hex or base64url, so '|' cannot be smuggled in. */
export const contexts = {
  // The kind (output or state) is inside the sealed bytes (records.ts): the relay must not learn it.
  event: (session: string, seq: number) => `event|${session}|${seq}`,
  view: (session: string) => `view|${session}`,
  envelope: (session: string, url: string) => `envelope|${session}|${url}`,
  instruction: (session: string, nonce: string) => `instruction|${session}|${nonce}`,
  // What the daemon answers an instruction to itself (a remote start), bound to that instruction's nonce.
  result: (scope: string, nonce: string) => `result|${scope}|${nonce}`,
};

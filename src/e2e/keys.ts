// The key schedule: every key and relay credential derives from a URL's secret with HKDF-SHA256 (WebCrypto), one
// label per purpose, so knowing one derived value gives nothing of the others or of the secret.
//
//   control secret (32 random bytes, in the control URL's fragment)
//     ├─ view secret      = HKDF(control, "view")      (in the view URL's fragment; never the other way round)
//     │    ├─ read credential = HKDF(view, "relay read")   the relay keeps its sha256; opens the URL for reading
//     │    └─ wrap key        = HKDF(view, "wrap")         AES-GCM key that opens the session's content keys
//     ├─ steer credential = HKDF(control, "relay steer")  the relay keeps its sha256; needed on steering endpoints
//     ├─ proof key        = HKDF(control, "proof")         HMAC key: every instruction carries a MAC the daemon checks
//     └─ device key       = HKDF(control, "device")        AES-GCM key of a device URL's instructions to the daemon
//                                                           itself (a remote start) and of their results
//
// Content is not encrypted with a URL-derived key but with a random per-session content key, wrapped (encrypted)
// under each URL's wrap key: so a session URL and the device URL both open a session, and a rotation replaces
// the URL without re-encrypting what the relay holds.
import { toBase64url, utf8 } from './encoding.js';
import type { Bytes, CryptoKey } from './webcrypto.js';


export const SECRET_BYTES = 32;
// Bound into every derivation: a key made for another protocol or version can never equal one of these.
export const SALT = utf8('rcd e2e v2');

export type Label = 'view' | 'relay read' | 'wrap' | 'relay steer' | 'proof' | 'device';

const subtle = () => globalThis.crypto.subtle;

export function randomSecret(): Bytes {
  return globalThis.crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

async function hkdf(secret: Bytes, label: Label, bytes = SECRET_BYTES): Promise<Bytes> {
  if (secret.length !== SECRET_BYTES) throw new Error(`a secret is ${SECRET_BYTES} bytes`);
  const ikm = await subtle().importKey('raw', secret, 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8(`rcd/${label}`) }, ikm, bytes * 8);
  return new Uint8Array(bits);
}

/** What a view URL holds: read access and the key that opens content keys. */
export interface ViewKeys {
  viewSecret: Bytes;
  /** Sent to the relay (base64url) to read; the relay stores only its sha256. */
  readCredential: string;
  wrapKey: CryptoKey;
}

/** What a control URL holds on top: steering. */
export interface ControlKeys extends ViewKeys {
  controlSecret: Bytes;
  steerCredential: string;
  proofKey: CryptoKey;
}

// Derived keys by secret: a daemon proves every instruction and wraps every envelope with the same few URL keys, a
// client seals every instruction with one; each derivation is five WebCrypto calls (~0.6 ms). Bounded: a daemon
// holds one URL per session.
const MEMO_MAX = 256;
const memo = new Map<string, Promise<ViewKeys | ControlKeys>>();

function remembered<T extends ViewKeys | ControlKeys>(kind: string, secret: Bytes, derive: () => Promise<T>): Promise<T> {
  const id = `${kind}:${toBase64url(secret)}`;
  let p = memo.get(id) as Promise<T> | undefined;
  if (!p) {
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
    p = derive();
    memo.set(id, p);
    p.catch(() => memo.delete(id));
  }
  return p;
}

/** A device URL's key for instructions to the daemon itself and their results (device-instructions.ts). */
export async function deviceKey(controlSecret: Bytes): Promise<CryptoKey> {
  return subtle().importKey('raw', await hkdf(controlSecret, 'device'), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export function viewKeys(viewSecret: Bytes): Promise<ViewKeys> {
  return remembered('view', viewSecret, () => deriveViewKeys(viewSecret));
}

export function controlKeys(controlSecret: Bytes): Promise<ControlKeys> {
  return remembered('control', controlSecret, () => deriveControlKeys(controlSecret));
}

async function deriveViewKeys(viewSecret: Bytes): Promise<ViewKeys> {
  const [read, wrap] = await Promise.all([hkdf(viewSecret, 'relay read'), hkdf(viewSecret, 'wrap')]);
  return {
    viewSecret,
    readCredential: toBase64url(read),
    wrapKey: await subtle().importKey('raw', wrap, 'AES-GCM', false, ['encrypt', 'decrypt']),
  };
}

async function deriveControlKeys(controlSecret: Bytes): Promise<ControlKeys> {
  const [view, steer, proof] = await Promise.all([
    hkdf(controlSecret, 'view'), hkdf(controlSecret, 'relay steer'), hkdf(controlSecret, 'proof'),
  ]);
  return {
    ...(await viewKeys(view)),
    controlSecret,
    steerCredential: toBase64url(steer),
    proofKey: await subtle().importKey('raw', proof, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
  };
}

// The daemon's hot path, synchronous: sealing each event it uploads and checking each instruction it runs. The same
// standard primitives and byte formats as seal.ts, keys.ts and proof.ts (AES-256-GCM with the same IV size and
// additional data, HKDF-SHA256 with the same salt and labels, HMAC-SHA256 over the same message), through Node's
// node:crypto, which WebCrypto in Node wraps. Why not WebCrypto here: every WebCrypto call is a round trip to a
// worker thread, and on a loaded two-core machine each one cost 0.5–1 ms on the prompt's path (docs/benchmarks.md),
// where these calls take microseconds. Clients and the page keep WebCrypto; tests check that each side opens what
// the other made (test/unit/e2e-node-sync.test.ts). Node only: never bundled into the page.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { fromBase64url, toBase64url } from './encoding.js';
import { SALT, SECRET_BYTES, type Label } from './keys.js';
import { message, type ProvedFields } from './proof.js';
import { STEER } from './instructions.js';
import { DEVICE, DEVICE_EPOCH, deviceScope } from './device-instructions.js';
import { KIND_BYTE, type EventKind } from './records.js';
import { contexts, OpenFailed } from './seal.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `<iv>.<ciphertext+tag>`, as seal.ts makes it. */
export function sealSync(rawKey: Uint8Array, plaintext: Uint8Array, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', rawKey, iv, { authTagLength: TAG_BYTES });
  c.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return `${toBase64url(iv)}.${toBase64url(ct)}`;
}

/** What seal.ts's `open` returns; throws OpenFailed for anything that does not authenticate. */
export function openSync(rawKey: Uint8Array, sealed: string, context: string): Uint8Array {
  const dot = sealed.indexOf('.');
  try {
    const iv = fromBase64url(sealed.slice(0, dot));
    const ct = fromBase64url(sealed.slice(dot + 1));
    if (dot < 0 || iv.length !== IV_BYTES || ct.length < TAG_BYTES) throw new OpenFailed(context);
    const d = createDecipheriv('aes-256-gcm', rawKey, iv, { authTagLength: TAG_BYTES });
    d.setAAD(Buffer.from(context, 'utf8'));
    d.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
    return new Uint8Array(Buffer.concat([d.update(ct.subarray(0, ct.length - TAG_BYTES)), d.final()]));
  } catch {
    throw new OpenFailed(context);
  }
}

/** keys.ts's derivation of one labelled key, as raw bytes. */
export function deriveSync(secret: Uint8Array, label: Label): Uint8Array {
  if (secret.length !== SECRET_BYTES) throw new Error(`a secret is ${SECRET_BYTES} bytes`);
  return new Uint8Array(hkdfSync('sha256', secret, SALT, Buffer.from(`rcd/${label}`, 'utf8'), SECRET_BYTES));
}

/** proof.ts's verifyProof, with the raw proof key; compares in constant time. */
export function verifyProofSync(rawProofKey: Uint8Array, fields: ProvedFields, proof: string): boolean {
  let mac: Uint8Array;
  try {
    mac = fromBase64url(proof);
  } catch {
    return false;
  }
  const expected = createHmac('sha256', rawProofKey).update(message(fields)).digest();
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

/** records.ts's sealEvent: `<epoch>.<iv>.<ct>`, the kind byte in front of the data, bound to the session and seq. */
export function sealEventSync(key: { epoch: number; raw: Uint8Array }, session: string, seq: number, kind: EventKind, data: Uint8Array): string {
  const plain = new Uint8Array(data.length + 1);
  plain[0] = KIND_BYTE[kind];
  plain.set(data, 1);
  return `${key.epoch}.${sealSync(key.raw, plain, contexts.event(session, seq))}`;
}

/**
 * instructions.ts's openInstruction: the body once the proof holds (under `rawProofKey`) and it opens with the key
 * of the epoch it names; throws with the reason otherwise (the daemon reports it).
 */
export function openInstructionSync(
  rawProofKey: Uint8Array, keys: ReadonlyMap<number, Uint8Array>, session: string, i: { nonce: string; sealed: string; proof: string }, kind = STEER,
): unknown {
  if (!verifyProofSync(rawProofKey, { session, kind, nonce: i.nonce, payload: i.sealed }, i.proof)) {
    throw new Error('not proved with the key of the session\'s URL (made by the relay, or altered on the way)');
  }
  try {
    const dot = i.sealed.indexOf('.');
    const key = keys.get(Number(i.sealed.slice(0, dot)));
    if (dot < 0 || !key) throw new Error('no key of that epoch');
    return JSON.parse(Buffer.from(openSync(key, i.sealed.slice(dot + 1), contexts.instruction(session, i.nonce))).toString('utf8'));
  } catch {
    throw new Error('its sealed body does not open');
  }
}

/** device-instructions.ts's instruction to the daemon itself, opened with the device URL's secret; throws why not. */
export function openDeviceInstructionSync(secret: Uint8Array, daemonId: string, i: { nonce: string; sealed: string; proof: string }): unknown {
  const keys = new Map([[DEVICE_EPOCH, deriveSync(secret, 'device')]]);
  return openInstructionSync(deriveSync(secret, 'proof'), keys, deviceScope(daemonId), i, DEVICE);
}

/** The daemon's answer to such an instruction, sealed for the device URL's holders (openDeviceResult opens it). */
export function sealDeviceResultSync(secret: Uint8Array, daemonId: string, nonce: string, result: unknown): string {
  return sealSync(deriveSync(secret, 'device'), Buffer.from(JSON.stringify(result), 'utf8'), contexts.result(deviceScope(daemonId), nonce));
}

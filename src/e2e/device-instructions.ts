// Instructions to a daemon itself, not to one of its sessions: a remote start (`rcd remote start DEVICE_URL`). Only
// a device URL's control secret makes one: the body is sealed under the device key (keys.ts: HKDF(control,
// "device")) and proved with its proof key, both bound to the daemon (`d:<daemon id>`) and a client nonce. The daemon
// answers with a result sealed under the same key and bound to that nonce, which the relay stores beside the
// instruction for the client to fetch: the relay carries both and reads neither (docs/e2e-protocol.md).
import { toBase64url, utf8 } from './encoding.js';
import { controlKeys, deviceKey } from './keys.js';
import { prove } from './proof.js';
import { contexts, open, seal } from './seal.js';
import type { SealedInstruction } from './instructions.js';
import type { Bytes } from './webcrypto.js';

/** The `session` an instruction to the daemon is bound to: never a session id (those are hex). */
export const deviceScope = (daemonId: string) => `d:${daemonId}`;

/** What the proof says the MAC is for: not STEER, so no session instruction can pass for one of these. */
export const DEVICE = 'device';

/** Device-key instructions carry epoch 0: the key changes only with the URL, which the daemon checks first. */
export const DEVICE_EPOCH = 0;

export async function sealDeviceInstruction(controlSecret: Bytes, daemonId: string, body: Record<string, unknown>): Promise<SealedInstruction> {
  const nonce = toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  const scope = deviceScope(daemonId);
  const key = await deviceKey(controlSecret);
  const sealed = `${DEVICE_EPOCH}.${await seal(key, utf8(JSON.stringify({ ...body, at: new Date().toISOString() })), contexts.instruction(scope, nonce))}`;
  const proof = await prove((await controlKeys(controlSecret)).proofKey, { session: scope, kind: DEVICE, nonce, payload: sealed });
  return { nonce, sealed, proof };
}

/** The daemon's result for the instruction with this nonce; throws OpenFailed if it is not the daemon's. */
export async function openDeviceResult(controlSecret: Bytes, daemonId: string, nonce: string, sealed: string): Promise<unknown> {
  const plain = await open(await deviceKey(controlSecret), sealed, contexts.result(deviceScope(daemonId), nonce));
  return JSON.parse(new TextDecoder().decode(plain)) as unknown;
}

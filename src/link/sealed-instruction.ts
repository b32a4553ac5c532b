// The daemon's side of a remote instruction (docs/e2e-protocol.md): what the relay delivers is opaque to it — the
// client sealed the body under the newest content key its envelope held and proved it with the control URL's key.
// Here the proof is checked, a nonce seen before is refused (a relay replaying an old instruction under a new id), and
// only then is the body opened and parsed. Each refusal says why; the caller reports it on the session.
import { z } from 'zod';
import { fromBase64url } from '../e2e/encoding.js';
import { deriveSync, openDeviceInstructionSync, openInstructionSync } from '../e2e/node-sync.js';
import { DeviceInstructionBody, InstructionBody, type DeviceInstructionBody as DeviceBody, type InstructionBody as Body } from '../protocol/instruction-body.js';
import type { InboxItem, LinkStore } from '../store/link-store.js';

const Payload = z.object({ nonce: z.string().min(16).max(64), sealed: z.string().min(1), proof: z.string().min(1) });

export const NOT_SEALED = 'not sealed and proved with the key of the session\'s URL';
export const REPLAYED = 'a replay of an instruction already received (the same nonce)';
// Nonces are remembered as long as the inbox keeps instructions (7 days, src/daemon/upkeep.ts INBOX_KEEP_MS); an
// older instruction could be a replay of one whose nonce is forgotten, so it is refused, with a day to spare.
const MAX_AGE_MS = 6 * 24 * 3600 * 1000;
const MAX_AHEAD_MS = 10 * 60_000;

// Each store's content keys, per session: every epoch, decoded once per newest epoch, dropped oldest-first past a
// bound. Keyed by store too: a test opens many databases.
const MAX_SESSIONS = 256;
const keyring = new WeakMap<LinkStore, Map<string, { epoch: number; keys: Map<number, Uint8Array>; replaced: Map<number, number> }>>();

/**
 * Every epoch: a client may have sealed with the key of its envelope just before a rotation (it runs only if it came
 * through a URL current now, the session's or the device's, which the executor checks first, and the proof holds).
 */
function keysOf(store: LinkStore, sessionId: string): { keys: Map<number, Uint8Array>; replaced: Map<number, number> } {
  let cache = keyring.get(store);
  if (!cache) keyring.set(store, (cache = new Map()));
  const newest = store.contentKey(sessionId).epoch;
  const cached = cache.get(sessionId);
  if (cached?.epoch === newest) return cached;
  const rows = store.contentKeys(sessionId);
  const entry = {
    epoch: newest,
    keys: new Map(rows.map((k) => [k.epoch, fromBase64url(k.key)] as const)),
    replaced: new Map(rows.filter((k) => k.replacedAt).map((k) => [k.epoch, Date.parse(k.replacedAt as string)] as const)),
  };
  cache.delete(sessionId);
  cache.set(sessionId, entry);
  if (cache.size > MAX_SESSIONS) cache.delete(cache.keys().next().value as string);
  return entry;
}

// An instruction sealed under a key replaced longer ago than this is refused: its sender holds an envelope from before
// a rotation (a relay serving it an old one on purpose would have it seal under a key a replaced URL still holds).
// Long enough for one sealed just before a rotation to arrive.
export const REPLACED_KEY_GRACE_MS = 60_000;

// Proof keys by URL secret (a daemon has one URL per session and one device URL), bounded like the keys above.
const proofKeys = new Map<string, Uint8Array>();

function proofKeyOf(token: string): Uint8Array {
  let k = proofKeys.get(token);
  if (!k) {
    if (proofKeys.size >= MAX_SESSIONS) proofKeys.delete(proofKeys.keys().next().value as string);
    k = deriveSync(fromBase64url(token), 'proof');
    proofKeys.set(token, k);
  }
  return k;
}

/** The instruction's body, or why it is refused; `token`: the secret of the URL it came through (proved with its key). */
export async function openSealed(store: LinkStore, item: InboxItem, token: string): Promise<{ body: Body } | { refused: string }> {
  const p = item.kind === 'sealed' ? Payload.safeParse(item.payload) : null;
  const sessionId = item.sessionId;
  if (!p?.success || sessionId === null) return { refused: NOT_SEALED };
  if (store.nonceSeen(sessionId, p.data.nonce, item.id)) return { refused: REPLAYED };
  let raw: unknown;
  try {
    // Synchronous (node-sync.ts): on the path of every prompt, where a WebCrypto call is a worker-thread round trip.
    const ring = keysOf(store, sessionId);
    const replaced = ring.replaced.get(Number(p.data.sealed.slice(0, p.data.sealed.indexOf('.'))));
    if (replaced !== undefined && Date.now() - replaced > REPLACED_KEY_GRACE_MS) {
      return { refused: 'sealed under a key this session replaced since (its sender holds keys from before a rotation); reload the URL and send again' };
    }
    raw = openInstructionSync(proofKeyOf(token), ring.keys, sessionId, p.data);
  } catch (err) {
    return { refused: (err as Error).message };
  }
  const body = InstructionBody.safeParse(raw);
  if (!body.success) return { refused: 'its body is not an instruction this daemon knows' };
  const late = tooOld(body.data.at);
  return late ? { refused: late } : { body: body.data };
}

/** Why an instruction made at `at` is refused for its age, or null. */
function tooOld(at: string): string | null {
  const age = Date.now() - Date.parse(at);
  if (age > MAX_AGE_MS) return 'made more than 6 days ago (too old to tell from a replay)';
  // Nor from the future: its nonce would be forgotten before it is too old, and a relay could replay it then.
  if (age < -MAX_AHEAD_MS) return 'dated more than 10 minutes ahead of this machine\'s clock';
  return null;
}

/**
 * An instruction to the daemon itself (a remote start), opened with the device URL's secret (`token`) it came
 * through: proved, not a replay, sealed under the device key (src/e2e/device-instructions.ts); or why it is refused.
 */
export function openDeviceSealed(store: LinkStore, item: InboxItem, token: string, daemonId: string): { body: DeviceBody } | { refused: string } {
  const p = item.kind === 'sealed' ? Payload.safeParse(item.payload) : null;
  if (!p?.success) return { refused: 'not sealed and proved with the key of the device URL' };
  if (store.nonceSeen(null, p.data.nonce, item.id)) return { refused: REPLAYED };
  let raw: unknown;
  try {
    raw = openDeviceInstructionSync(fromBase64url(token), daemonId, p.data);
  } catch (err) {
    return { refused: (err as Error).message.replace('the session\'s URL', 'the device URL') };
  }
  const body = DeviceInstructionBody.safeParse(raw);
  if (!body.success) return { refused: 'its body is not an instruction this daemon knows' };
  const late = tooOld(body.data.at);
  return late ? { refused: late } : { body: body.data };
}

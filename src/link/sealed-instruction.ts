// The daemon's side of a remote instruction (docs/e2e-protocol.md): what the relay delivers is opaque to it — the
// client sealed the body under the newest content key its envelope held and proved it with the control URL's key.
// Here the proof is checked, a nonce seen before is refused (a relay replaying an old instruction under a new id), and
// only then is the body opened and parsed. Each refusal says why; the caller reports it on the session.
import { z } from 'zod';
import { fromBase64url } from '../e2e/encoding.js';
import { deriveSync, openInstructionSync } from '../e2e/node-sync.js';
import { InstructionBody, type InstructionBody as Body } from '../protocol/relay.js';
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
const keyring = new WeakMap<LinkStore, Map<string, { epoch: number; keys: Map<number, Uint8Array> }>>();

/**
 * Every epoch: a client may have sealed with the key of its envelope just before a rotation (it runs only if it came
 * through a URL current now, the session's or the device's, which the executor checks first, and the proof holds).
 */
function keysOf(store: LinkStore, sessionId: string): Map<number, Uint8Array> {
  let cache = keyring.get(store);
  if (!cache) keyring.set(store, (cache = new Map()));
  const newest = store.contentKey(sessionId).epoch;
  const cached = cache.get(sessionId);
  if (cached?.epoch === newest) return cached.keys;
  const keys = new Map(store.contentKeys(sessionId).map((k) => [k.epoch, fromBase64url(k.key)] as const));
  cache.delete(sessionId);
  cache.set(sessionId, { epoch: newest, keys });
  if (cache.size > MAX_SESSIONS) cache.delete(cache.keys().next().value as string);
  return keys;
}

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
  if (!p?.success) return { refused: NOT_SEALED };
  if (store.nonceSeen(item.sessionId, p.data.nonce, item.id)) return { refused: REPLAYED };
  let raw: unknown;
  try {
    // Synchronous (node-sync.ts): on the path of every prompt, where a WebCrypto call is a worker-thread round trip.
    raw = openInstructionSync(proofKeyOf(token), keysOf(store, item.sessionId), item.sessionId, p.data);
  } catch (err) {
    return { refused: (err as Error).message };
  }
  const body = InstructionBody.safeParse(raw);
  if (!body.success) return { refused: 'its body is not an instruction this daemon knows' };
  const age = Date.now() - Date.parse(body.data.at);
  if (age > MAX_AGE_MS) return { refused: 'made more than 6 days ago (too old to tell from a replay)' };
  // Nor from the future: its nonce would be forgotten before it is too old, and a relay could replay it then.
  if (age < -MAX_AHEAD_MS) return { refused: 'dated more than 10 minutes ahead of this machine\'s clock' };
  return { body: body.data };
}

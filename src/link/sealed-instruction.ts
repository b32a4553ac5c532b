// The daemon's side of a remote instruction (docs/e2e-protocol.md): what the relay delivers is opaque to it — the
// client sealed the body under the newest content key its envelope held and proved it with the control URL's key.
// Here the proof is checked, a nonce seen before is refused (a relay replaying an old instruction under a new id), and
// only then is the body opened and parsed. Each refusal says why; the caller reports it on the session.
import { z } from 'zod';
import { fromBase64url } from '../e2e/encoding.js';
import { openInstruction } from '../e2e/instructions.js';
import { EventOpener } from '../e2e/records.js';
import { InstructionBody, type InstructionBody as Body } from '../protocol/relay.js';
import type { InboxItem, LinkStore } from '../store/link-store.js';

const Payload = z.object({ nonce: z.string().min(16).max(64), sealed: z.string().min(1), proof: z.string().min(1) });

export const NOT_SEALED = 'not sealed and proved with the key of the session\'s URL';
export const REPLAYED = 'a replay of an instruction already received (the same nonce)';
// Nonces are remembered as long as the inbox keeps instructions (7 days, src/daemon/upkeep.ts INBOX_KEEP_MS); an
// older instruction could be a replay of one whose nonce is forgotten, so it is refused, with a day to spare.
const MAX_AGE_MS = 6 * 24 * 3600 * 1000;

// Each store's openers, per session: every epoch of its content key, imported once per newest epoch (an import costs
// more than the rest of a check), dropped oldest-first past a bound. Keyed by store too: a test opens many databases.
const MAX_OPENERS = 256;
const openers = new WeakMap<LinkStore, Map<string, { epoch: number; opener: Promise<EventOpener> }>>();

/**
 * Opens with every epoch: a client may have sealed with the key of its envelope just before a rotation (it runs only
 * if it came through a URL current now, the session's or the device's, which the executor checks first, and the
 * proof holds).
 */
function openerOf(store: LinkStore, sessionId: string): Promise<EventOpener> {
  let cache = openers.get(store);
  if (!cache) openers.set(store, (cache = new Map()));
  const newest = store.contentKey(sessionId).epoch;
  const cached = cache.get(sessionId);
  if (cached?.epoch === newest) return cached.opener;
  const opener = EventOpener.withKeys(sessionId, store.contentKeys(sessionId).map((k) => ({ epoch: k.epoch, raw: fromBase64url(k.key) })));
  cache.delete(sessionId);
  cache.set(sessionId, { epoch: newest, opener });
  if (cache.size > MAX_OPENERS) cache.delete(cache.keys().next().value as string);
  opener.catch(() => {
    if (cache.get(sessionId)?.opener === opener) cache.delete(sessionId); // never keep a failed import
  });
  return opener;
}

/** The instruction's body, or why it is refused; `token`: the secret of the URL it came through (proved with its key). */
export async function openSealed(store: LinkStore, item: InboxItem, token: string): Promise<{ body: Body } | { refused: string }> {
  const p = item.kind === 'sealed' ? Payload.safeParse(item.payload) : null;
  if (!p?.success) return { refused: NOT_SEALED };
  if (store.nonceSeen(item.sessionId, p.data.nonce, item.id)) return { refused: REPLAYED };
  const keys = await openerOf(store, item.sessionId);
  let raw: unknown;
  try {
    raw = await openInstruction(fromBase64url(token), keys, item.sessionId, p.data);
  } catch (err) {
    return { refused: (err as Error).message };
  }
  const body = InstructionBody.safeParse(raw);
  if (!body.success) return { refused: 'its body is not an instruction this daemon knows' };
  if (Date.now() - Date.parse(body.data.at) > MAX_AGE_MS) return { refused: 'made more than 6 days ago (too old to tell from a replay)' };
  return { body: body.data };
}

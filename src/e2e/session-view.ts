// A session's view (its name, directory, state and the requests waiting on a person) as the relay carries it:
// sealed under the session's content key and bound to the session (seal.ts contexts.view), so the relay holds
// only ciphertext, cannot move a view to another session, and a flipped bit is refused. What the relay may see of
// a session (id, liveness, times, newest seq) travels beside it in the clear (src/protocol/relay.ts RemoteSession).
import type { SessionView } from '../protocol/relay.js';
import { fromUtf8, utf8 } from './encoding.js';
import type { EventOpener } from './records.js';
import { contexts, OpenFailed, seal } from './seal.js';
import type { CryptoKey } from './webcrypto.js';

export async function sealSessionView(key: { epoch: number; cryptoKey: CryptoKey }, session: string, view: SessionView): Promise<string> {
  return `${key.epoch}.${await seal(key.cryptoKey, utf8(JSON.stringify(view)), contexts.view(session))}`;
}

/**
 * The view in a sealed record, or null when the daemon has not sent one yet (empty). Throws OpenFailed when it does
 * not authenticate. Only its shape's outline is checked here (the browser has no zod): callers show its fields as
 * text, never as markup, and Node callers parse it with the SessionView schema.
 */
export async function openSessionView(opener: EventOpener, session: string, sealed: string): Promise<SessionView | null> {
  if (sealed === '') return null;
  const context = contexts.view(session);
  // Only the newest key seals a view: an older one is known to URLs replaced since, who could forge with it.
  if (Number(sealed.slice(0, sealed.indexOf('.'))) !== opener.newest().epoch) throw new OpenFailed(context);
  const plain = await opener.openRecord(sealed, context);
  let doc: unknown;
  try {
    doc = JSON.parse(fromUtf8(plain));
  } catch {
    throw new OpenFailed(context);
  }
  const v = doc as Partial<SessionView> | null;
  if (!v || typeof v !== 'object' || typeof v.name !== 'string' || typeof v.state !== 'string' || !Array.isArray(v.approvals) || typeof v.at !== 'number') {
    throw new OpenFailed(context);
  }
  return v as SessionView;
}

/**
 * Keeps a client on the newest view it has seen: the relay could serve an older one again (which would bring back
 * a request already answered, or a state long gone). Returns the view to show.
 */
export class ViewGuard {
  private newest: SessionView | null = null;

  /** `now`: the client's clock; a view from further ahead than MAX_AHEAD_MS is not taken (it would shut out every genuine one). */
  accept(view: SessionView | null, now = Date.now()): SessionView | null {
    if (view && view.at <= now + MAX_AHEAD_MS && (!this.newest || view.at >= this.newest.at)) this.newest = view;
    return this.newest;
  }
}

// How far ahead of a client's clock a daemon's may be: generous for machines without time sync, short of letting a
// forged view dated in the far future pin itself.
const MAX_AHEAD_MS = 10 * 60_000;

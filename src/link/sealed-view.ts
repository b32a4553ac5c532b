// What the link tells the relay of a session: the view sealed under the session's newest content key, beside the
// few facts the relay needs in the clear (src/protocol/relay.ts RemoteSession). Views go up at every state change
// and are small, so the key is imported per view rather than cached.
import { fromBase64url } from '../e2e/encoding.js';
import { importContentKey } from '../e2e/seal.js';
import { sealSessionView } from '../e2e/session-view.js';
import type { RemoteSession, SessionView } from '../protocol/relay.js';
import type { LinkStore } from '../store/link-store.js';

/** A session as the daemon knows it, before sealing. */
export interface LocalSessionView {
  id: string;
  live: boolean;
  updatedAt: string;
  lastSeq: number;
  view: Omit<SessionView, 'at'>;
}

/** The daemon's sessions, as the link reads them. */
export interface LinkSessions {
  ids(): string[];
  /** The session unsealed (the link seals it), or null when it no longer exists. */
  view(id: string): LocalSessionView | null;
}

let lastAt = 0;

/** `at` for a new view: the clock in ms, strictly increasing even when two views are made in one ms. */
function viewTime(): number {
  lastAt = Math.max(Date.now(), lastAt + 1);
  return lastAt;
}

export async function sealedSession(store: LinkStore, s: LocalSessionView): Promise<RemoteSession> {
  const stored = store.contentKey(s.id);
  const key = { epoch: stored.epoch, cryptoKey: await importContentKey(fromBase64url(stored.key)) };
  const sealed = await sealSessionView(key, s.id, { ...s.view, at: viewTime() });
  return { id: s.id, live: s.live, updatedAt: s.updatedAt, lastSeq: s.lastSeq, sealed };
}

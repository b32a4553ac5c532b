// What `rcd remote` knows of a session: the relay's status answer, opened. The envelope (the session's content keys
// sealed under this URL's key) opens the sealed view and events; anything that does not authenticate is refused
// with a message, never shown.
import type { z } from 'zod';
import { RcdError } from '../common/errors.js';
import { EventOpener } from '../e2e/records.js';
import { OpenFailed } from '../e2e/seal.js';
import { openSessionView } from '../e2e/session-view.js';
import { RemoteStatusResponse, SessionView } from '../protocol/relay.js';
import { relayCall, type SessionUrl } from './remote-client.js';

export interface OpenedRemote {
  status: z.infer<typeof RemoteStatusResponse>;
  opener: EventOpener;
  view: SessionView;
}

const NO_KEY = 'the relay has no key for this URL yet (the owner\'s daemon has not linked since it was issued); try again shortly';

export async function loadSession(target: SessionUrl): Promise<OpenedRemote> {
  const { data: status } = await relayCall(target, '', RemoteStatusResponse);
  if (!status.envelope) throw new RcdError('NOT_FOUND', NO_KEY);
  let opener: EventOpener;
  try {
    opener = await EventOpener.forUrl(target.url, status.envelope);
  } catch (err) {
    if (!(err instanceof OpenFailed)) throw err;
    throw new RcdError('INTERNAL', 'this URL\'s key does not open what the relay handed out (altered on the relay?); nothing is shown');
  }
  return { status, opener, view: await openView(opener, target.url.sessionId, status.session.sealed) };
}

/** A sealed view, opened and checked; refused with a message when it does not authenticate or is not a view. */
export async function openView(opener: EventOpener, sessionId: string, sealed: string): Promise<SessionView> {
  let view;
  try {
    view = await openSessionView(opener, sessionId, sealed);
  } catch (err) {
    if (!(err instanceof OpenFailed)) throw err;
    throw new RcdError('INTERNAL', 'the session\'s view did not authenticate (altered on the relay?); nothing is shown');
  }
  if (!view) throw new RcdError('NOT_FOUND', 'the owner\'s daemon has not sent this session\'s state since the relay was upgraded; try again once it is linked');
  const parsed = SessionView.safeParse(view);
  if (!parsed.success) throw new RcdError('INTERNAL', 'the session\'s view is not one this rcd understands');
  return parsed.data;
}

/** `rcd remote status --json`: the session as the URL's holder may know it (no keys, no envelope). */
export function statusJson(o: OpenedRemote): Record<string, unknown> {
  const { session, firstSeq, lastSeq, daemonOnline, scope } = o.status;
  const { at: _at, ...view } = o.view;
  return { session: { id: session.id, ...view, live: session.live, updatedAt: session.updatedAt }, firstSeq, lastSeq, daemonOnline, scope };
}

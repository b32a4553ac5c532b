// What `rcd remote` knows of a session: the relay's status answer, opened. The envelope (the session's content keys
// sealed under this URL's key) opens the sealed view and events; anything that does not authenticate is refused
// with a message, never shown.
import type { z } from 'zod';
import { RcdError } from '../common/errors.js';
import { sanitize } from '../common/terminal.js';
import { EventOpener } from '../e2e/records.js';
import { OpenFailed } from '../e2e/seal.js';
import { openSessionView } from '../e2e/session-view.js';
import { DeviceStatusResponse, RemoteStatusResponse, SessionView } from '../protocol/relay.js';
import { isDeviceTarget, relayCall, resolveRemoteUrl, sessionOfDevice, type DeviceTarget, type SessionUrl } from './remote-client.js';

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

/** One session of a device URL's list: its view when it opens (`why` says why not otherwise). */
export interface DeviceSession {
  id: string;
  live: boolean;
  updatedAt: string;
  view: SessionView | null;
  why: string | null;
}

/** A device URL's list of sessions, each opened with its envelope for the device URL. */
export async function loadDevice(t: DeviceTarget): Promise<{ status: z.infer<typeof DeviceStatusResponse>; sessions: DeviceSession[] }> {
  const { data: status } = await relayCall(t, '', DeviceStatusResponse);
  const sessions = await Promise.all(status.sessions.map(async ({ session, envelope }): Promise<DeviceSession> => {
    const base = { id: session.id, live: session.live, updatedAt: session.updatedAt };
    if (!envelope) return { ...base, view: null, why: 'no key for the device URL yet (the daemon has not linked since it was issued)' };
    try {
      const target = sessionOfDevice(t, session.id);
      return { ...base, view: await openView(await EventOpener.forUrl(target.url, envelope), session.id, session.sealed), why: null };
    } catch (err) {
      if (!(err instanceof RcdError) && !(err instanceof OpenFailed)) throw err;
      return { ...base, view: null, why: err.message };
    }
  }));
  return { status, sessions };
}

/**
 * The session a command acts on: a session URL (or a device URL's session URL) as given, or a device URL with
 * `session`: an id, a unique id prefix, or a name, matched here against the sealed names the client opened.
 */
export async function sessionTarget(raw: string, session: string | undefined): Promise<SessionUrl> {
  const t = await resolveRemoteUrl(raw);
  if (!isDeviceTarget(t)) {
    if (session !== undefined) throw new RcdError('USAGE', '--session goes with a device URL; this URL names one session already');
    return t;
  }
  if (session === undefined) {
    throw new RcdError('USAGE', 'this is a device URL, which opens every session of a daemon: name one with --session NAME|ID (`rcd remote status DEVICE_URL` lists them)');
  }
  const { sessions } = await loadDevice(t);
  const exact = sessions.filter((s) => s.id === session || s.view?.name === session);
  const found = exact.length > 0 ? exact : sessions.filter((s) => s.id.startsWith(session));
  if (found.length === 0) throw new RcdError('NOT_FOUND', `the device has no session named ${session} (\`rcd remote status DEVICE_URL\` lists them)`);
  if (found.length > 1) throw new RcdError('CONFLICT', `${session} matches ${found.length} sessions (${found.map((s) => s.id.slice(0, 8)).join(', ')}); give more of the id`);
  return sessionOfDevice(t, (found[0] as DeviceSession).id);
}

/** A relay-supplied block of text, sanitized line by line (before indenting, so no control can undo the indent). */
export function indentBlock(text: string, indent: string): string {
  return sanitize(text).split('\n').map((l) => indent + l).join('\n');
}

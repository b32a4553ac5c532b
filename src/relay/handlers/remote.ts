// Remote-client endpoints: the session's status, its events from a cursor (long-poll), and sealed instructions,
// under `/api/s/<credential>` (a session URL) or `/api/d/<credential>/s/<id>` (a device URL, which opens every
// session of its daemon), and the device URL's list of sessions. The credential in the path (derived from the
// URL's secret, docs/e2e-protocol.md) is the only credential; it is looked up by hash and never logged. A view
// URL's credential opens the reading endpoints only.
import { createHash } from 'node:crypto';
import { MAX_PUBLIC_BODY_BYTES, SealedInstructionRequest, TOKEN_RE } from '../../protocol/relay.js';
import type { Handler, RelayContext } from '../context.js';
import { MAX_EVENTS_PER_READ, type AccessFailure, type OpenedDevice, type OpenedSession, type ReadResult, type SessionRow, type Target } from '../stores.js';
import { HttpError, intParam, parseJson, parseWith, readBody, sendJson } from '../http.js';
import { parseInTurn } from '../json-guard.js';
import { daemonKey, resultsKey, sessionKey } from '../notifier.js';
import { followerHolds, holdUntil } from './long-poll.js';

const FAILURES: Record<AccessFailure, [number, string]> = {
  UNKNOWN_URL: [404, 'no session has this URL; check that it was copied whole, or ask its owner for the current one (`rcd url SESSION`)'],
  ROTATED: [410, 'this URL was replaced by a newer one; ask the owner for the current URL (`rcd url SESSION`)'],
  REVOKED: [410, 'remote access to this session was revoked by its owner'],
  EXPIRED: [410, 'this URL has expired; the owner can issue a new one with `rcd url SESSION --rotate`'],
};

export function accessError(failure: AccessFailure, device = false): HttpError {
  const [status, message] = FAILURES[failure];
  return new HttpError(status, failure, device ? message.replace(/`rcd url SESSION/g, '`rcd url --device').replace('this session', 'this device') : message);
}

/** The daemon a device URL's credential opens; 404/410 with the reason otherwise. */
async function resolveDevice(ctx: RelayContext, token: string | undefined): Promise<OpenedDevice> {
  if (!token || !TOKEN_RE.test(token)) throw accessError('UNKNOWN_URL', true);
  const found = await ctx.devices.open(token);
  if (typeof found === 'string') throw accessError(found, true);
  return found;
}

/**
 * The session a URL opens: `[credential]` for a session URL, `[credential, session id]` for a device URL (which
 * opens only its own daemon's sessions, with their device envelope). 404/410 with the reason otherwise.
 */
export async function resolveToken(ctx: RelayContext, params: readonly string[]): Promise<OpenedSession> {
  const [token, sessionId] = params;
  if (sessionId !== undefined) {
    const device = await resolveDevice(ctx, token);
    const row = /^[0-9a-f]{16}$/.test(sessionId) ? await ctx.sessions.get(sessionId) : null;
    if (!row || row.daemonId !== device.daemonId) throw new HttpError(404, 'UNKNOWN_SESSION', 'the device has no such session (removed, or not linked yet)');
    return { ...row, envelope: row.deviceEnvelope, tokenHash: device.tokenHash, scope: device.scope };
  }
  if (!token || !TOKEN_RE.test(token)) throw accessError('UNKNOWN_URL');
  const found = await ctx.sessions.byToken(token);
  if (typeof found === 'string') throw accessError(found);
  return found;
}

/** The session a control URL opens, for the steering endpoints: a view URL's credential gets 403. */
async function resolveSteering(ctx: RelayContext, params: readonly string[]): Promise<OpenedSession> {
  const s = await resolveToken(ctx, params);
  if (s.scope !== 'control') throw new HttpError(403, 'VIEW_ONLY', 'this is a view-only URL: it can read the session, not send to it or answer for it');
  return s;
}

// Whether more may come: the daemon says so in the clear (the state itself is sealed in the view).
const isLive = (s: SessionRow): boolean => s.view.live;

export const remoteStatus: Handler = async (_req, res, ctx, params) => {
  const s = await resolveToken(ctx, params);
  sendJson(res, 200, { session: s.view, view: viewTag(s.view), ...(await ctx.events.bounds(s.id)), daemonOnline: await ctx.presence.online(s.daemonId), scope: s.scope, envelope: s.envelope });
};

/** A short fingerprint of a session's view, so a follower can say which view it has seen. */
export function viewTag(view: SessionRow['view']): string {
  return createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 16);
}

export const remoteEvents: Handler = async (_req, res, ctx, params, url) => {
  if (url.searchParams.has('before')) {
    // History read backwards (the session page shows the end first and loads older pages on demand): never held.
    const s = await resolveToken(ctx, params);
    const page = await ctx.events.readBefore(s.id, intParam(url, 'before', 0), intParam(url, 'limit', MAX_EVENTS_PER_READ));
    sendJson(res, 200, { ...page, session: s.view, view: viewTag(s.view) });
    return;
  }
  const after = intParam(url, 'after', 0);
  const wait = intParam(url, 'wait', 0);
  let session = await resolveToken(ctx, params);
  const check = async (): Promise<{ session: SessionRow; read: ReadResult; lastSeq: number }> => {
    session = await resolveToken(ctx, params); // revoked or rotated while held: answer that at once
    const read = await ctx.events.read(session.id, after);
    // The relay's last acknowledged event: only needed to tell whether a session that is no longer live is finished.
    const lastSeq = read.complete && !isLive(session) ? (await ctx.events.bounds(session.id)).lastSeq : 0;
    return { session, read, lastSeq };
  };
  // Finished: not live, and the relay holds every event the daemon had when it reported the final state.
  const finished = (v: { session: SessionRow; read: ReadResult; lastSeq: number }) =>
    v.read.complete && !isLive(v.session) && v.lastSeq >= v.session.view.lastSeq;
  // A changed view (state, pending approvals) is news too. The follower names the view it last saw (`view`, from
  // the previous answer): views go up after the events that caused them, so the view may change between its two
  // polls, and comparing with the view at the start of this poll would then hold it for nothing.
  const seen = url.searchParams.get('view') ?? viewTag(session.view);
  const news = (v: { session: SessionRow; read: ReadResult; lastSeq: number }) =>
    v.read.events.length > 0 || finished(v) || viewTag(v.session.view) !== seen;
  const result = await holdUntil(ctx, res, [sessionKey(session.id)], followerHolds(ctx.notifier.maxHeld), wait, check, news);
  if (result === null) return;
  const { read, session: now } = result;
  sendJson(res, 200, { events: read.events, gap: read.gap, more: !finished(result), session: now.view, view: viewTag(now.view) });
};

// A client refused because the URL has its fill of waiting instructions asks again after this: the daemon, when
// online, takes them within a poll; when offline, nothing changes sooner.
const PENDING_RETRY_S = 10;

/**
 * Stores a sealed instruction for `to` (a session, or the daemon itself) and answers 201 (200 for a retry). Opaque
 * here: what it asks, and whether it is genuine, only the daemon can tell.
 */
async function acceptSealed(req: Parameters<Handler>[0], res: Parameters<Handler>[1], ctx: RelayContext, to: Target, via: string): Promise<void> {
  const text = await readBody(req, MAX_PUBLIC_BODY_BYTES);
  const body = parseWith(SealedInstructionRequest, await parseInTurn(text, () => parseJson(text, 'instruction')), 'instruction');
  const r = await ctx.instructions.accept(to, 'sealed', { nonce: body.nonce, sealed: body.sealed, proof: body.proof }, body.nonce, via, ctx.opts.maxPendingPerUrl);
  if (r === 'kind-mismatch') throw new HttpError(409, 'CONFLICT', 'this idempotencyKey was already used for another kind of instruction');
  if (r === 'full') {
    const why = (await ctx.presence.online(to.daemonId)) ? 'the daemon has not taken them yet' : 'the daemon is offline';
    const what = to.sessionId === null ? 'this device' : 'this session';
    throw new HttpError(429, 'LIMIT', `${ctx.opts.maxPendingPerUrl} instructions already wait for ${what} (${why}); try again later`, { 'retry-after': String(PENDING_RETRY_S) });
  }
  if (!r.duplicate) ctx.notifier.notify(daemonKey(to.daemonId));
  sendJson(res, r.duplicate ? 200 : 201, r);
}

export const remoteInstruction: Handler = async (req, res, ctx, params) => {
  const s = await resolveSteering(ctx, params);
  await acceptSealed(req, res, ctx, { daemonId: s.daemonId, sessionId: s.id }, s.tokenHash);
};

/** A device URL's instruction to its daemon itself (a remote start); a view device URL gets 403. */
export const deviceInstruction: Handler = async (req, res, ctx, params) => {
  const device = await resolveDevice(ctx, params[0]);
  if (device.scope !== 'control') throw new HttpError(403, 'VIEW_ONLY', 'this is a view-only URL: it can read the sessions, not start one');
  await acceptSealed(req, res, ctx, { daemonId: device.daemonId, sessionId: null }, device.tokenHash);
};

/** Where an instruction to the daemon itself stands, and its sealed result once the daemon sent it (long-poll). */
export const deviceInstructionState: Handler = async (_req, res, ctx, params, url) => {
  const device = await resolveDevice(ctx, params[0]);
  if (device.scope !== 'control') throw new HttpError(403, 'VIEW_ONLY', 'this is a view-only URL: it can read the sessions, not start one');
  const id = params[1] ?? '';
  const check = () => ctx.instructions.resultOf(device.daemonId, id);
  if (!(await check())) throw new HttpError(404, 'NOT_FOUND', 'this device has no such instruction (or it was swept, a day after it was taken)');
  const state = await holdUntil(ctx, res, [resultsKey(device.daemonId)], followerHolds(ctx.notifier.maxHeld), intParam(url, 'wait', 0), check, (v) => v?.result != null);
  if (state === null) return;
  sendJson(res, 200, { id, taken: state?.taken ?? false, result: state?.result ?? null });
};

/** A device URL's list: every session of its daemon, sealed, each with its keys sealed under the device URL's key. */
export const deviceStatus: Handler = async (_req, res, ctx, params) => {
  const device = await resolveDevice(ctx, params[0]);
  const rows = await ctx.sessions.ofDaemon(device.daemonId);
  const sessions = await Promise.all(rows.map(async (s) => ({ session: s.view, envelope: s.deviceEnvelope, ...(await ctx.events.bounds(s.id)) })));
  sendJson(res, 200, { daemonOnline: await ctx.presence.online(device.daemonId), scope: device.scope, sessions });
};

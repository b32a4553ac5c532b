// Daemon endpoints: register, session put/delete, event upload, the instruction long-poll and its ack.
// Everything but register needs `Authorization: Bearer <credential>`. Registration is open, so it is rate-limited
// per client address and bounded in all; what a registered daemon may store is bounded too (limits.ts).
import type { IncomingMessage } from 'node:http';
import {
  AckRequest, MAX_ACK_BODY_BYTES, MAX_REGISTER_BODY_BYTES, MAX_SESSION_BODY_BYTES, MAX_UPLOAD_BODY_BYTES, PutDeviceRequest, PutSessionRequest, RemoteSession,
  UploadRequest, type Instruction,
} from '../../protocol/relay.js';
import { ResultsRequest } from '../../protocol/relay-device.js';
import type { Handler, RelayContext } from '../context.js';
import { HttpError, badRequest, intParam, parseJson, readBody, readJson, sendJson } from '../http.js';
import { SessionGone } from '../stores.js';
import { daemonKey, resultsKey, sessionKey } from '../notifier.js';
import { addressKey, clientAddress } from '../rate-limit.js';
import { DAEMON_HOLDS, freshDaemonHolds, holdUntil } from './long-poll.js';

const SessionId = RemoteSession.shape.id;
const MAX_CREDENTIAL_CHARS = 256;
// When the relay has all the daemons it takes, nothing frees a place soon: a daemon asks again in an hour.
const FULL_RETRY_S = 3600;

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'UNAUTHORIZED', message, { 'www-authenticate': 'Bearer realm="rcd-relay"' });
}

/** The daemon behind the request's credential; 401 otherwise. The credential itself goes nowhere else. */
export async function authenticate(req: IncomingMessage, ctx: RelayContext): Promise<{ id: string; registeredAt: number }> {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const credential = match?.[1];
  if (!credential) throw unauthorized('send Authorization: Bearer <credential>, as issued by POST /api/daemon/register');
  const daemon = credential.length <= MAX_CREDENTIAL_CHARS ? await ctx.sessions.authenticate(credential) : null;
  if (!daemon) throw unauthorized('this relay does not know that daemon credential; register again');
  ctx.presence.seen(daemon.id);
  return daemon;
}

function sessionParam(raw: string | undefined): string {
  const parsed = SessionId.safeParse(raw);
  if (!parsed.success) throw badRequest('the session id in the path must be 16 lowercase hex digits');
  return parsed.data;
}

export const register: Handler = async (req, res, ctx) => {
  const json = parseJson(await readBody(req, MAX_REGISTER_BODY_BYTES), 'register');
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badRequest('the register body must be a JSON object ({})');
  // Counted before anything is stored, so a refused attempt costs the relay nothing but this check.
  const address = addressKey(clientAddress(req, ctx.opts.trustProxy));
  const wait = ctx.registrations.take(address);
  if (wait > 0) {
    throw new HttpError(429, 'RATE_LIMITED', `too many daemons registered from this address; try again in ${wait} s`, { 'retry-after': String(wait) });
  }
  const answer = await ctx.sessions.registerDaemon(ctx.opts.maxDaemons);
  if (answer === 'full') {
    ctx.log.warn({ maxDaemons: ctx.opts.maxDaemons }, 'registration refused: the relay has all the daemons it takes (--max-daemons)');
    throw new HttpError(429, 'LIMIT', `this relay takes no more daemons (it has ${ctx.opts.maxDaemons})`, { 'retry-after': String(FULL_RETRY_S) });
  }
  ctx.log.info({ daemonId: answer.daemonId }, 'daemon registered');
  sendJson(res, 200, answer);
};

export const putSession: Handler = async (req, res, ctx, params) => {
  const daemonId = (await authenticate(req, ctx)).id;
  const id = sessionParam(params[0]);
  const body = await readJson(req, PutSessionRequest, 'session', MAX_SESSION_BODY_BYTES);
  if (body.session.id !== id) throw badRequest(`session.id (${body.session.id}) differs from the id in the path (${id})`);
  const stored = await ctx.sessions.put(daemonId, body.session, body.access, ctx.opts.maxSessionsPerDaemon, body.deviceEnvelope);
  if (stored === 'full') {
    throw new HttpError(429, 'LIMIT', `this daemon has ${ctx.opts.maxSessionsPerDaemon} sessions on the relay, its limit; remove some (\`rcd rm\`)`);
  }
  if (stored === 'conflict') throw new HttpError(409, 'CONFLICT', 'that session id or token hash belongs to a session of another daemon');
  if (stored === 'retired') {
    throw new HttpError(409, 'CONFLICT', 'that token hash was rotated away or revoked; a retired URL never works again, issue a new one (`rcd url SESSION --rotate`)');
  }
  ctx.notifier.notify(sessionKey(id)); // held remote polls re-check state and access
  sendJson(res, 200, { ok: true, ackedSeq: (await ctx.sessions.get(id))?.ackedSeq ?? 0 });
};

export const putDevice: Handler = async (req, res, ctx) => {
  const daemonId = (await authenticate(req, ctx)).id;
  const body = await readJson(req, PutDeviceRequest, 'device', MAX_REGISTER_BODY_BYTES);
  const stored = await ctx.devices.put(daemonId, body.access);
  if (stored === 'conflict') throw new HttpError(409, 'CONFLICT', 'that token hash belongs to another URL');
  if (stored === 'retired') {
    throw new HttpError(409, 'CONFLICT', 'that token hash was rotated away or revoked; a retired URL never works again, issue a new one (`rcd url --device --rotate`)');
  }
  // Followers held through the device URL re-check it (a revocation answers them at once).
  for (const s of await ctx.sessions.ofDaemon(daemonId)) ctx.notifier.notify(sessionKey(s.id));
  sendJson(res, 200, { ok: true });
};

export const deleteSession: Handler = async (req, res, ctx, params) => {
  const daemonId = (await authenticate(req, ctx)).id;
  const id = sessionParam(params[0]);
  if ((await ctx.sessions.remove(daemonId, id)) === 'not-found') {
    throw new HttpError(404, 'NOT_FOUND', `this daemon has no session ${id} on the relay`);
  }
  ctx.notifier.notify(sessionKey(id));
  res.writeHead(204, { 'cache-control': 'no-store' });
  res.end();
};

export const uploadEvents: Handler = async (req, res, ctx) => {
  const daemonId = (await authenticate(req, ctx)).id;
  // Counted before the body is parsed: a daemon over its rate costs the relay this check only.
  // Retry-After counts whole seconds, and a token comes back in 1000 / uploadsPerSecond ms: retry-after-ms says when
  // exactly, so a daemon over its rate for a moment (a burst of small uploads to a relay next door) waits that long
  // and not a whole second (src/link/http.ts reads it).
  const waitMs = ctx.uploads.takeMs(daemonId);
  if (waitMs > 0) {
    throw new HttpError(429, 'RATE_LIMITED', `this daemon uploads more than ${ctx.opts.uploadsPerSecond} times a second; try again in ${waitMs} ms`, {
      'retry-after': String(Math.ceil(waitMs / 1000)), 'retry-after-ms': String(waitMs),
    });
  }
  const body = await readJson(req, UploadRequest, 'events upload', MAX_UPLOAD_BODY_BYTES);
  // Check every session and event first, so a bad one stores nothing of the batch.
  for (const s of body.sessions) {
    if ((await ctx.sessions.ownerOf(s.id)) !== daemonId) {
      throw new HttpError(404, 'NOT_FOUND', `this daemon has no session ${s.id} on the relay; PUT /api/daemon/sessions/${s.id} first`);
    }
    const big = s.events.find((e) => e.data.length > ctx.opts.maxEventBytes);
    if (big) {
      throw new HttpError(413, 'TOO_LARGE', `event ${big.seq} of session ${s.id} has ${big.data.length} characters of data; this relay takes at most ${ctx.opts.maxEventBytes}`);
    }
  }
  let stored;
  try {
    stored = await ctx.events.append(body.sessions.map((s) => ({ sessionId: s.id, events: s.events, firstSeq: s.firstSeq })));
  } catch (err) {
    // Removed by a DELETE that came between the check above and the commit: as if it had come before.
    if (err instanceof SessionGone) throw new HttpError(404, 'NOT_FOUND', `this daemon has no session ${err.sessionId} on the relay; PUT /api/daemon/sessions/${err.sessionId} first`);
    throw err;
  }
  const acked: Record<string, number> = {};
  body.sessions.forEach((s, i) => {
    const r = stored[i] as { acked: number; advanced: boolean };
    acked[s.id] = r.acked;
    if (r.advanced) ctx.notifier.notify(sessionKey(s.id));
  });
  sendJson(res, 200, { acked });
};

export const poll: Handler = async (req, res, ctx, _params, url) => {
  const daemon = await authenticate(req, ctx);
  const daemonId = daemon.id;
  const wait = intParam(url, 'wait', 0);
  const established = Date.now() - daemon.registeredAt >= ctx.opts.establishedAfterMs;
  const limits = established ? DAEMON_HOLDS : freshDaemonHolds(ctx.notifier.maxHeld);
  ctx.presence.pollStarted(daemonId);
  let instructions: Instruction[] | null;
  try {
    instructions = await holdUntil(ctx, res, [daemonKey(daemonId)], limits, wait, () => ctx.instructions.pendingFor(daemonId), (l) => l.length > 0);
  } finally {
    ctx.presence.pollEnded(daemonId);
  }
  if (instructions === null) return; // the daemon hung up
  sendJson(res, 200, { instructions });
};

export const ack: Handler = async (req, res, ctx) => {
  const daemonId = (await authenticate(req, ctx)).id;
  const body = await readJson(req, AckRequest, 'ack', MAX_ACK_BODY_BYTES);
  await ctx.instructions.ack(daemonId, body.ids);
  sendJson(res, 200, { ok: true });
};

/** What the daemon made of instructions to itself (sealed): kept on the instruction for its client to fetch. */
export const results: Handler = async (req, res, ctx) => {
  const daemonId = (await authenticate(req, ctx)).id;
  const body = await readJson(req, ResultsRequest, 'results', MAX_UPLOAD_BODY_BYTES);
  const stored = await ctx.instructions.storeResults(daemonId, body.results);
  if (stored > 0) ctx.notifier.notify(resultsKey(daemonId));
  sendJson(res, 200, { ok: true, stored });
};

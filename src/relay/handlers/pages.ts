// The HTML endpoints: `GET /` (status page) and `GET /s/:token` (the session page), plus `GET /api/info`.
import { VERSION } from '../../common/version.js';
import { RELAY_PROTOCOL_VERSION } from '../../protocol/relay.js';
import type { Handler } from '../context.js';
import { HttpError, sendHtml, sendJson } from '../http.js';
import { sessionPage } from '../pages/session-page.js';
import { errorPage, statusPage } from '../pages/status-page.js';
import { resolveToken } from './remote.js';

// What the session page shows before it starts following: enough to see what the agent is doing, small
// enough to load quickly on a phone.
const PAGE_EVENTS = 2000;
const PAGE_BYTES = 256 * 1024;

export const info: Handler = async (_req, res) => {
  sendJson(res, 200, { name: 'rcd-relay', version: VERSION, protocol: RELAY_PROTOCOL_VERSION });
};

export const home: Handler = async (_req, res, ctx) => {
  const c = ctx.sessions.counts();
  const page = statusPage({ ...c, daemonsOnline: ctx.presence.count(), held: ctx.notifier.holding }, ctx.startedAt);
  sendHtml(res, 200, page.html, page.headers);
};

const TITLES: Record<string, string> = {
  UNKNOWN_URL: 'Unknown session URL', ROTATED: 'This URL was replaced', REVOKED: 'Access revoked', EXPIRED: 'This URL has expired',
};

export const sessionHtml: Handler = async (_req, res, ctx, params) => {
  let session;
  try {
    session = resolveToken(ctx, params[0]);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const page = errorPage(TITLES[err.code] ?? 'Not available', err.message);
    sendHtml(res, err.status, page.html, page.headers);
    return;
  }
  const recent = ctx.events.recent(session.id, PAGE_EVENTS, PAGE_BYTES);
  const first = recent[0]?.seq;
  const after = recent.at(-1)?.seq ?? session.ackedSeq;
  const page = sessionPage(session.view, recent, { after, pruned: first !== undefined ? first > 1 : session.ackedSeq > 0 });
  sendHtml(res, 200, page.html, page.headers);
};

// The HTML endpoints: `GET /` (status page), `GET /s/:id` and `GET /d/:daemon[/s/:id]` (the page's shell), plus
// `GET /api/info`.
import { VERSION } from '../../common/version.js';
import { RELAY_PROTOCOL_VERSION, TOKEN_RE } from '../../protocol/relay.js';
import type { Handler } from '../context.js';
import { sendHtml, sendJson } from '../http.js';
import { deviceShell, sessionShell } from '../pages/session-page.js';
import { errorPage, statusPage } from '../pages/status-page.js';

export const info: Handler = async (_req, res) => {
  sendJson(res, 200, { name: 'rcd-relay', version: VERSION, protocol: RELAY_PROTOCOL_VERSION });
};

/**
 * For a load balancer's health check: 200 while this instance can read its store (one indexed read), 503 when it
 * cannot (a lost database connection), so requests go to another instance meanwhile.
 */
export const health: Handler = async (_req, res, ctx) => {
  try {
    await ctx.sessions.ownerOf('0000000000000000');
  } catch (err) {
    ctx.log.warn({ err }, 'health check: the store cannot be read');
    sendJson(res, 503, { ok: false, error: { code: 'STORE_DOWN', message: 'this relay instance cannot reach its store' } });
    return;
  }
  sendJson(res, 200, { ok: true });
};

export const home: Handler = async (_req, res, ctx) => {
  const c = await ctx.sessions.counts();
  const page = statusPage({ ...c, daemonsOnline: await ctx.presence.count(), held: ctx.notifier.holding }, ctx.startedAt);
  sendHtml(res, 200, page.html, page.headers);
};

export const sessionHtml: Handler = async (_req, res, _ctx, params) => {
  const id = params[0] ?? '';
  if (/^[0-9a-f]{16}$/.test(id)) {
    const page = sessionShell();
    sendHtml(res, 200, page.html, page.headers);
    return;
  }
  // A version-1 URL had its token here and no key after #: those stopped working when keys moved to the fragment.
  const outdated = TOKEN_RE.test(id);
  const page = outdated
    ? errorPage('This URL is from an older rcd', 'Session URLs now carry their key after #, so the relay never sees it. Ask the owner for the current URL (`rcd url SESSION`).')
    : errorPage('Unknown session URL', 'This is not a session URL; check that it was copied whole.');
  sendHtml(res, outdated ? 410 : 404, page.html, page.headers);
};

/** A device URL's page (its sessions) and its sessions' pages: shells with the same script, which reads the URL itself. */
export const deviceHtml: Handler = async (_req, res, _ctx, params) => {
  const ids = params.filter((p): p is string => p !== undefined);
  if (!ids.every((id) => /^[0-9a-f]{16}$/.test(id))) {
    const page = errorPage('Unknown device URL', 'This is not a device URL; check that it was copied whole.');
    sendHtml(res, 404, page.html, page.headers);
    return;
  }
  const page = ids.length === 1 ? deviceShell() : sessionShell();
  sendHtml(res, 200, page.html, page.headers);
};

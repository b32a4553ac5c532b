// `rcd url`: print, rotate or revoke a session's remote URL, or the daemon's device URL; returns after the relay has confirmed.
import { RcdError } from '../../../common/errors.js';
import type { Handler } from '../context.js';

export const url: Handler<'url'> = async (req, ctx) => {
  if (!ctx.remote) throw new RcdError('BAD_REQUEST', 'no relay is configured: set RCD_RELAY_URL (or relayUrl in config.json) and restart the daemon');
  const opts = { rotate: req.rotate, revoke: req.revoke, view: req.view, ...(req.expiresIn ? { expiresIn: req.expiresIn } : {}) };
  if (req.session === undefined) return ctx.remote.deviceUrl(opts);
  return ctx.remote.url(ctx.supervisor.resolve(req.session).id, opts);
};

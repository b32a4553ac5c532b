// `rcd status [SESSION]`: the daemon and its sessions, straight from the database.
import type { Handler } from '../context.js';

export const status: Handler<'status'> = (req, ctx) => {
  const sessions = req.session ? [ctx.supervisor.resolve(req.session)] : ctx.supervisor.list();
  const pending = ctx.approvals.pendingCounts(); // one query, not one per session
  return { daemon: ctx.daemonInfo(), sessions: sessions.map((s) => ctx.supervisor.view(s, pending.get(s.id) ?? 0)) };
};

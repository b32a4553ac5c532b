// `rcd approvals [SESSION] [--all]`: tool calls waiting for an answer (with --all: every decision too).
import { approvalView } from '../claude-control.js';
import type { Handler } from '../context.js';

export const approvals: Handler<'approvals'> = (req, ctx) => {
  const session = req.session ? ctx.supervisor.resolve(req.session) : undefined;
  const names = new Map(ctx.supervisor.list().map((s) => [s.id, s.name]));
  const list = req.all ? ctx.approvals.all(session?.id) : ctx.approvals.pending(session?.id);
  return { approvals: list.map((a) => approvalView(a, names.get(a.sessionId) ?? a.sessionId)) };
};

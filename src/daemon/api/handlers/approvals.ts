// `rcd approvals [SESSION] [--all] [--audit]`: tool calls waiting for an answer (with --all: every decision too;
// with --audit: the audit trail, which outlives removed sessions).
import type { AuditEntry } from '../../../protocol/api.js';
import type { Handler } from '../context.js';

export const approvals: Handler<'approvals'> = (req, ctx) => {
  const session = req.session ? ctx.supervisor.resolve(req.session) : undefined;
  const byId = new Map(ctx.supervisor.list().map((s) => [s.id, s]));
  const list = req.all ? ctx.approvals.all(session?.id) : ctx.approvals.pending(session?.id);
  // A request goes with its session (ON DELETE CASCADE), so its session, and the agent kind that reads it, is known.
  const approvals = list.flatMap((a) => {
    const s = byId.get(a.sessionId);
    return s ? [ctx.controls.of(s.agent).view(a, s.name)] : [];
  });
  if (!req.audit) return { approvals };
  const audit = ctx.approvals.audit(session?.id).map((e) => ({
    at: e.at, session: e.sessionId, approval: e.approvalId, tool: e.tool, kind: e.kind as AuditEntry['kind'], action: e.action as AuditEntry['action'], actor: e.actor as AuditEntry['actor'], detail: e.detail,
  }));
  return { approvals, audit };
};

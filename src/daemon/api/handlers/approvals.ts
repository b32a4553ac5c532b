// `rcd approvals [SESSION] [--all] [--audit]`: tool calls waiting for an answer (with --all: every decision too;
// with --audit: the audit trail, which outlives removed sessions).
import type { AuditEntry } from '../../../protocol/api.js';
import { approvalView } from '../../claude/claude-control.js';
import type { Handler } from '../context.js';

export const approvals: Handler<'approvals'> = (req, ctx) => {
  const session = req.session ? ctx.supervisor.resolve(req.session) : undefined;
  const names = new Map(ctx.supervisor.list().map((s) => [s.id, s.name]));
  const list = req.all ? ctx.approvals.all(session?.id) : ctx.approvals.pending(session?.id);
  const approvals = list.map((a) => approvalView(a, names.get(a.sessionId) ?? a.sessionId));
  if (!req.audit) return { approvals };
  const audit = ctx.approvals.audit(session?.id).map((e) => ({
    at: e.at, session: e.sessionId, approval: e.approvalId, tool: e.tool, kind: e.kind as AuditEntry['kind'], action: e.action as AuditEntry['action'], actor: e.actor as AuditEntry['actor'], detail: e.detail,
  }));
  return { approvals, audit };
};

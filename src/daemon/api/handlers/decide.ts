// `rcd approve SESSION [REQUEST] [--always|--mode M]` and `rcd deny SESSION [REQUEST] [--message M]`: answer a
// pending request (a question takes `rcd answer`, handlers/answer.ts).
import { RcdError } from '../../../common/errors.js';
import type { SessionRecord } from '../../../store/sessions.js';
import { approvalView } from '../../claude/claude-control.js';
import type { Handler, HandlerContext } from '../context.js';

/** The session REF names, which must be a claude one: only Claude Code asks rcd anything. */
export function claudeSession(ctx: HandlerContext, ref: string, what = 'asks for no approvals'): SessionRecord {
  const s = ctx.supervisor.resolve(ref);
  if (s.agent !== 'claude') throw new RcdError('NOT_FOUND', `session ${s.name} runs a ${s.agent} agent, which ${what}`);
  return s;
}

export const approve: Handler<'approve'> = async (req, ctx) => {
  const s = claudeSession(ctx, req.session);
  const decided = await ctx.control.approve(s, req.request, { always: req.always, mode: req.mode }, 'local');
  return { approval: approvalView(decided, s.name) };
};

export const deny: Handler<'deny'> = async (req, ctx) => {
  const s = claudeSession(ctx, req.session);
  const decided = await ctx.control.decide(s, req.request, false, req.message, 'local');
  return { approval: approvalView(decided, s.name) };
};

// `rcd approve SESSION [REQUEST]` and `rcd deny SESSION [REQUEST] [--message M]`: answer a pending approval.
import { RcdError } from '../../common/errors.js';
import { approvalView } from '../claude-control.js';
import type { Handler, HandlerContext } from '../context.js';

async function decide(ctx: HandlerContext, ref: string, request: string | undefined, allow: boolean, message?: string) {
  const s = ctx.supervisor.resolve(ref);
  if (s.agent !== 'claude') throw new RcdError('NOT_FOUND', `session ${s.name} runs a ${s.agent} agent, which asks for no approvals`);
  const decided = await ctx.control.decide(s, request, allow, message, 'local');
  return { approval: approvalView(decided, s.name) };
}

export const approve: Handler<'approve'> = (req, ctx) => decide(ctx, req.session, req.request, true);
export const deny: Handler<'deny'> = (req, ctx) => decide(ctx, req.session, req.request, false, req.message);

// `rcd approve SESSION [REQUEST] [--always|--mode M]` and `rcd deny SESSION [REQUEST] [--message M]`: answer a
// pending request (a question takes `rcd answer`, handlers/answer.ts). The session's agent kind does it, or says it
// asks for no approvals (src/agents/control.ts).
import type { SessionRecord } from '../../../store/sessions.js';
import type { AgentControl } from '../../../agents/control.js';
import type { Handler, HandlerContext } from '../context.js';

/** The session REF names and its agent kind's control. */
export function agentOf(ctx: HandlerContext, ref: string): { s: SessionRecord; control: AgentControl } {
  const s = ctx.supervisor.resolve(ref);
  return { s, control: ctx.controls.of(s.agent) };
}

export const approve: Handler<'approve'> = async (req, ctx) => {
  const { s, control } = agentOf(ctx, req.session);
  const decided = await control.approve(s, req.request, { always: req.always, mode: req.mode }, 'local');
  return { approval: control.view(decided, s.name) };
};

export const deny: Handler<'deny'> = async (req, ctx) => {
  const { s, control } = agentOf(ctx, req.session);
  const decided = await control.decide(s, req.request, false, req.message, 'local');
  return { approval: control.view(decided, s.name) };
};

// `rcd mode SESSION MODE`: switches a running claude session's permission mode, kept for the runs that follow.
import type { Handler } from '../context.js';
import { claudeSession } from './decide.js';

export const mode: Handler<'mode'> = async (req, ctx) => {
  const s = claudeSession(ctx, req.session, 'has no permission modes');
  await ctx.control.turn.setMode(s, req.mode, 'local');
  return { session: ctx.supervisor.view(ctx.supervisor.resolve(s.id)) };
};

// `rcd mode SESSION MODE`: switches a running session's permission mode, kept for the runs that follow.
import type { Handler } from '../context.js';
import { agentOf } from './decide.js';

export const mode: Handler<'mode'> = async (req, ctx) => {
  const { s, control } = agentOf(ctx, req.session);
  await control.setMode(s, req.mode, 'local');
  return { session: ctx.supervisor.view(ctx.supervisor.resolve(s.id)) };
};

// `rcd interrupt SESSION`: ends a claude session's running turn; the session keeps running and takes the next prompt.
import type { Handler } from '../context.js';
import { claudeSession } from './decide.js';

export const interrupt: Handler<'interrupt'> = async (req, ctx) => {
  const s = claudeSession(ctx, req.session, 'has no turns to interrupt (rcd stop ends it)');
  await ctx.control.turn.interrupt(s, 'local');
  return { session: ctx.supervisor.view(ctx.supervisor.resolve(s.id)) };
};

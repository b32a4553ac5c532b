// `rcd restart SESSION`: a fresh run of a session (stopped first if live), same id, name and URL.
import type { Handler } from '../context.js';

export const restart: Handler<'restart'> = async (req, ctx) => {
  const s = ctx.supervisor.resolve(req.session);
  return { session: ctx.supervisor.view(await ctx.supervisor.restart(s.id)) };
};

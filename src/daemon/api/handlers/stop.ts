// `rcd stop`: returns once the agent and everything it started are gone.
import type { Handler } from '../context.js';

export const stop: Handler<'stop'> = async (req, ctx) => {
  const s = ctx.supervisor.resolve(req.session);
  const wasRunning = await ctx.supervisor.stop(s.id);
  return { session: ctx.supervisor.view(ctx.supervisor.resolve(s.id)), wasRunning };
};

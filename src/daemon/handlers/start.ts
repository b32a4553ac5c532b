// `rcd start`: create a session and spawn its agent.
import type { Handler } from '../context.js';

export const start: Handler<'start'> = async (req, ctx) => {
  const session = await ctx.supervisor.start(req, ctx.newSessionId);
  return { session: ctx.supervisor.view(session) };
};

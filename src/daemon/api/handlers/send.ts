// `rcd send`: one or more lines onto the agent's stdin.
import type { Handler } from '../context.js';

export const send: Handler<'send'> = async (req, ctx) => {
  const s = ctx.supervisor.resolve(req.session);
  return { bytes: await ctx.supervisor.send(s.id, req.text) };
};

// `rcd interrupt SESSION`: ends a session's running turn; the session keeps running and takes the next prompt.
import type { Handler } from '../context.js';
import { agentOf } from './decide.js';

export const interrupt: Handler<'interrupt'> = async (req, ctx) => {
  const { s, control } = agentOf(ctx, req.session);
  await control.interrupt(s, 'local');
  return { session: ctx.supervisor.view(ctx.supervisor.resolve(s.id)) };
};

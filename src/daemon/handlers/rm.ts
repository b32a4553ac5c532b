// `rcd rm`: forget a session that is not running, with its history and files.
import type { Handler } from '../context.js';

export const rm: Handler<'rm'> = (req, ctx) => {
  const s = ctx.supervisor.remove(ctx.supervisor.resolve(req.session).id);
  return { id: s.id, name: s.name };
};

// `rcd shutdown`: stop the daemon (agents keep running and are re-adopted by the next one).
import type { Handler } from '../context.js';

export const shutdown: Handler<'shutdown'> = (_req, ctx, res) => {
  // Answer first, then go: the caller learns the pid to wait for.
  res.once('finish', () => ctx.shutdown('requested over the socket'));
  return { pid: process.pid };
};

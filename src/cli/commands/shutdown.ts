// rcd shutdown: stop the daemon and wait until it is gone. Agents keep running; the next daemon re-adopts them.
import { RcdError } from '../../common/errors.js';
import { parse } from '../args.js';
import type { CommandContext } from '../main.js';

// The daemon flushes its database and log before exiting: well under a second normally.
const SHUTDOWN_WAIT_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function shutdown(argv: string[], ctx: CommandContext): Promise<number> {
  parse('shutdown', argv, {}, { min: 0, max: 0 });
  let pid: number;
  try {
    ({ pid } = await ctx.client({ autostart: false }).call('shutdown', {}));
  } catch (err) {
    if (err instanceof RcdError && err.code === 'DAEMON_UNAVAILABLE') {
      ctx.err('no rcd daemon is running');
      return 0;
    }
    throw err;
  }
  const deadline = Date.now() + SHUTDOWN_WAIT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new RcdError('INTERNAL', `the daemon (pid ${pid}) is still running after ${SHUTDOWN_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  ctx.out(`daemon ${pid} stopped; agents keep running`);
  return 0;
}

// rcd shutdown: stop the daemon and wait until it is gone. Agents keep running; the next daemon re-adopts them.
import { parse } from '../args.js';
import type { CommandContext } from '../context.js';
import { stopDaemon } from '../service/handover.js';

export async function shutdown(argv: string[], ctx: CommandContext): Promise<number> {
  parse('shutdown', argv, {}, { min: 0, max: 0 });
  const pid = await stopDaemon(ctx.client({ autostart: false }));
  if (pid === null) ctx.err('no rcd daemon is running');
  else ctx.out(`daemon ${pid} stopped; agents keep running`);
  return 0;
}

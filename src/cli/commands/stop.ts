// rcd stop: returns once the agent and everything it started are gone.
import { parse } from '../args.js';
import type { CommandContext } from '../context.js';

export async function stop(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('stop', argv, { json: { type: 'boolean' } }, { min: 1, max: 1 });
  const { session, wasRunning } = await ctx.client().call('stop', { session: positionals[0] as string });
  if (values.json) ctx.json({ ...session, wasRunning });
  else if (!wasRunning) ctx.err(`session ${session.name} was not running (${session.state}); nothing to stop`);
  else ctx.out(`stopped ${session.name} (${session.id})`);
  return 0;
}

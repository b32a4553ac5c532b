// rcd rm: forget a session that is not running.
import { parse } from '../args.js';
import type { CommandContext } from '../main.js';

export async function rm(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('rm', argv, { json: { type: 'boolean' } }, { min: 1, max: 1 });
  const removed = await ctx.client().call('rm', { session: positionals[0] as string });
  if (values.json) ctx.json(removed);
  else ctx.out(`removed ${removed.name} (${removed.id})`);
  return 0;
}

// rcd send: deliver text to the agent's input.
import { readFileSync } from 'node:fs';
import { parse } from '../args.js';
import type { CommandContext } from '../context.js';

export async function send(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('send', argv, { json: { type: 'boolean' } }, { min: 2, max: 2, afterDashDash: true });
  const [session, textArg] = positionals as [string, string];
  const text = textArg === '-' ? readFileSync(0, 'utf8') : textArg;
  const result = await ctx.client().call('send', { session, text });
  if (values.json) ctx.json(result);
  return 0;
}

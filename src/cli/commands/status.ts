// rcd status: the everyday view.
import { parse } from '../args.js';
import { renderStatus } from '../format.js';
import type { CommandContext } from '../context.js';

export async function status(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('status', argv, { json: { type: 'boolean' } }, { min: 0, max: 1 });
  const doc = await ctx.client().call('status', positionals[0] ? { session: positionals[0] } : {});
  if (values.json) ctx.json(doc, true);
  else ctx.out(renderStatus(doc.daemon, doc.sessions));
  return 0;
}

// rcd rm: forget a session that is not running (and the clean worktree rcd made for it; --force: one with work in it).
import { parse } from '../args.js';
import type { CommandContext } from '../context.js';

export async function rm(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('rm', argv, { json: { type: 'boolean' }, force: { type: 'boolean' } }, { min: 1, max: 1 });
  const removed = await ctx.client().call('rm', { session: positionals[0] as string, force: Boolean(values.force) });
  if (values.json) ctx.json(removed);
  else {
    ctx.out(`removed ${removed.name} (${removed.id})`);
    const w = removed.worktree;
    if (w) ctx.out(`${w.removed ? 'removed its worktree' : 'its worktree was gone already:'} ${w.path}; branch ${w.branch} is kept`);
  }
  return 0;
}

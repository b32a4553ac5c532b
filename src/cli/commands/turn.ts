// rcd mode SESSION MODE, rcd interrupt SESSION: steering a running Claude Code session between prompts.
import { parse, usageError } from '../args.js';
import type { CommandContext } from '../context.js';

const MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan'] as const;

export async function mode(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('mode', argv, { json: { type: 'boolean' } }, { min: 2, max: 2 });
  const [session, wanted] = positionals as [string, string];
  const m = MODES.find((x) => x === wanted);
  if (!m) throw usageError('mode', `MODE must be one of ${MODES.join(', ')} (got "${wanted}")`);
  const { session: s } = await ctx.client().call('mode', { session, mode: m });
  if (values.json) ctx.json(s);
  else ctx.out(`${s.name}: permission mode ${s.permissionMode ?? m} (kept for its next runs)`);
  return 0;
}

export async function interrupt(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('interrupt', argv, { json: { type: 'boolean' } }, { min: 1, max: 1 });
  const { session: s } = await ctx.client().call('interrupt', { session: positionals[0] as string });
  if (values.json) ctx.json(s);
  else ctx.out(`${s.name}: interrupted; it takes the next prompt (rcd send)`);
  return 0;
}

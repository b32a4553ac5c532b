// rcd restart SESSION: run a session again (stopping it first if it runs): same id, name and URL; a claude session
// continues its conversation.
import { RcdError } from '../../common/errors.js';
import { parse } from '../args.js';
import type { CommandContext } from '../context.js';

export async function restart(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('restart', argv, { json: { type: 'boolean' } }, { min: 1, max: 1 });
  const { session } = await ctx.client().call('restart', { session: positionals[0] as string });
  if (values.json) ctx.json(session);
  else ctx.out(session.id);
  if (session.state === 'failed') {
    throw new RcdError('SPAWN_FAILED', `session ${session.name} (${session.id}) failed to start: ${session.reason ?? 'unknown reason'}`);
  }
  return 0;
}

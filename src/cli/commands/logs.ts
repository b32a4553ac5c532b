// rcd logs: the session's output, byte for byte; --follow streams until the session ends or Ctrl-C.
import { parse } from '../args.js';
import type { CommandContext } from '../main.js';

export async function logs(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('logs', argv, { follow: { type: 'boolean', short: 'f' } }, { min: 1, max: 1 });
  const res = await ctx.client().stream('logs', { session: positionals[0] as string, follow: Boolean(values.follow), from: 0 });
  process.once('SIGINT', () => {
    res.destroy();
    process.exit(0);
  });
  await new Promise<void>((resolve, reject) => {
    res.on('error', reject);
    res.on('end', resolve);
    res.pipe(process.stdout, { end: false });
  });
  return 0;
}

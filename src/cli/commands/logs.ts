// rcd logs: the session's output in order, as its agent kind's adapter renders it (Claude Code: readable lines,
// or its raw stream-json lines with --json); generic agents byte for byte. --follow streams until the session ends or Ctrl-C.
import type { IncomingMessage } from 'node:http';
import { RcdError } from '../../common/errors.js';
import { HEADER_AGENT } from '../../protocol/api.js';
import { adapterNamed, type OutputRenderer } from '../../agents/index.js';
import { parse } from '../args.js';
import type { CommandContext } from '../context.js';

export async function logs(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('logs', argv, { follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } }, { min: 1, max: 1 });
  const session = positionals[0] as string;
  const res = await ctx.client().stream('logs', { session, follow: Boolean(values.follow), from: 0 });
  process.once('SIGINT', () => {
    res.destroy();
    process.exit(0);
  });
  try {
    const renderer = values.json ? undefined : await adapterNamed(res.headers[HEADER_AGENT])?.renderer?.(session);
    if (renderer) await render(res, renderer);
    else await copy(res);
  } catch (err) {
    // The connection broke mid-stream: the daemon stopped (rcd shutdown, an upgrade, a crash), not the agent.
    throw new RcdError(
      'DAEMON_UNAVAILABLE',
      `the daemon went away while sending the output (${(err as Error).message}); the agent keeps running: run \`rcd logs ${session}${values.follow ? ' -f' : ''}\` again`,
    );
  }
  return 0;
}

function copy(res: IncomingMessage): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    res.on('error', reject);
    res.on('end', resolve);
    res.pipe(process.stdout, { end: false });
  });
}

async function render(res: IncomingMessage, renderer: OutputRenderer): Promise<void> {
  for await (const chunk of res as AsyncIterable<Buffer>) {
    const text = renderer.push(chunk);
    if (text && !process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
  }
  process.stdout.write(renderer.end());
}

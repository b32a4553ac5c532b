// rcd url: print a session's remote URL (or with --device the daemon's, for every session); --view its read-only
// URL, --rotate replaces both, --revoke ends remote access.
import { parse, usageError } from '../args.js';
import type { CommandContext } from '../context.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90m", "12h", "7d" -> seconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)([smhd])$/.exec(text);
  return m ? Number(m[1]) * (UNITS[m[2] as string] as number) : null;
}

export async function url(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('url', argv, {
    rotate: { type: 'boolean' }, revoke: { type: 'boolean' }, view: { type: 'boolean' }, device: { type: 'boolean' }, 'expires-in': { type: 'string' }, json: { type: 'boolean' },
  }, { min: 0, max: 1 });
  const device = Boolean(values.device);
  if (device && positionals.length > 0) throw usageError('url', '--device is the URL of every session: it takes no SESSION');
  if (!device && positionals.length === 0) throw usageError('url', 'missing SESSION (or --device for the URL of every session)');
  if (values.rotate && values.revoke) throw usageError('url', '--rotate and --revoke exclude each other');
  if (values.view && values.revoke) throw usageError('url', '--view and --revoke exclude each other (--revoke ends the view URL too)');
  let expiresIn: number | undefined;
  if (values['expires-in'] !== undefined) {
    const s = parseDuration(String(values['expires-in']));
    if (s === null || s < 60) throw usageError('url', '--expires-in takes a duration of at least a minute, like 90m, 12h or 7d');
    expiresIn = s;
  }
  const res = await ctx.client().call('url', {
    device, ...(device ? {} : { session: positionals[0] as string }), rotate: Boolean(values.rotate), revoke: Boolean(values.revoke), view: Boolean(values.view),
    ...(expiresIn ? { expiresIn } : {}),
  });
  if (values.json) ctx.json({ url: res.url, expiresAt: res.expiresAt, revoked: res.revoked });
  else if (res.revoked) ctx.out(device ? 'the device URL is revoked; `rcd url --device --rotate` issues a new one' : 'remote access revoked; `rcd url SESSION --rotate` issues a new URL');
  else ctx.out(res.url ?? '');
  return 0;
}

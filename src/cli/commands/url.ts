// rcd url: print a session's remote URL; --view its read-only URL, --rotate replaces both, --revoke ends remote access.
import { parse, usageError } from '../args.js';
import type { CommandContext } from '../main.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90m", "12h", "7d" -> seconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)([smhd])$/.exec(text);
  return m ? Number(m[1]) * (UNITS[m[2] as string] as number) : null;
}

export async function url(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('url', argv, {
    rotate: { type: 'boolean' }, revoke: { type: 'boolean' }, view: { type: 'boolean' }, 'expires-in': { type: 'string' }, json: { type: 'boolean' },
  }, { min: 1, max: 1 });
  if (values.rotate && values.revoke) throw usageError('url', '--rotate and --revoke exclude each other');
  if (values.view && values.revoke) throw usageError('url', '--view and --revoke exclude each other (--revoke ends the view URL too)');
  let expiresIn: number | undefined;
  if (values['expires-in'] !== undefined) {
    const s = parseDuration(String(values['expires-in']));
    if (s === null || s < 60) throw usageError('url', '--expires-in takes a duration of at least a minute, like 90m, 12h or 7d');
    expiresIn = s;
  }
  const res = await ctx.client().call('url', {
    session: positionals[0] as string, rotate: Boolean(values.rotate), revoke: Boolean(values.revoke), view: Boolean(values.view),
    ...(expiresIn ? { expiresIn } : {}),
  });
  if (values.json) ctx.json({ url: res.url, expiresAt: res.expiresAt, revoked: res.revoked });
  else if (res.revoked) ctx.out('remote access revoked; `rcd url SESSION --rotate` issues a new URL');
  else ctx.out(res.url ?? '');
  return 0;
}

// A session's default name: its directory's base name, made safe for names and unique with -2, -3, ... A base
// name that reads as an id (a directory called `2024` or `cafe`) gets `-dir`, as such names are refused.
import { basename } from 'node:path';
import { ID_LIKE_RE } from '../../protocol/session-name.js';

export function defaultName(cwd: string, taken: (name: string) => boolean): string {
  const safe = basename(cwd).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 56) || 'session';
  const base = ID_LIKE_RE.test(safe) ? `${safe}-dir` : safe;
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

// A session's default name: its directory's base name, made safe for names and unique with -2, -3, ...
import { basename } from 'node:path';

export function defaultName(cwd: string, taken: (name: string) => boolean): string {
  const base = basename(cwd).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 56) || 'session';
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

// Canonical working directories and the one-live-session-per-directory rule (docs/architecture.md guarantee 5).
import { realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { RcdError } from '../../common/errors.js';

/** The real path of a directory: symlinks, `..` and trailing slashes resolved. Errors say what is wrong. */
export function canonicalDir(dir: string): string {
  let real: string;
  try {
    real = realpathSync.native(dir);
  } catch {
    throw new RcdError('BAD_REQUEST', `directory ${dir} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw new RcdError('BAD_REQUEST', `${dir} is not a directory`);
  return real;
}

/**
 * The key two directories are compared by. macOS file systems are case-insensitive by default, so two
 * spellings of one directory must collide there; Linux file systems are case-sensitive.
 */
export function compareKey(real: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' || platform === 'win32' ? real.toLowerCase() : real;
}

/** True when one directory is the other, or inside it. */
export function overlaps(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  const ka = compareKey(a, platform);
  const kb = compareKey(b, platform);
  if (ka === kb) return true;
  const within = (inner: string, outer: string) => inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
  return within(ka, kb) || within(kb, ka);
}

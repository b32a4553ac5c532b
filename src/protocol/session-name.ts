// What a session name may be, checked alike by the CLI (a usage error) and the daemon (400). SESSION resolves an
// exact id, then an exact name, then an id prefix, so a name that reads as an id could take the place of another
// session's id prefix: `rcd approve 85de96a7` would answer the wrong session. Such names are refused.

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Session ids are 16 lowercase hex digits; a prefix of 4 or more is how ids are typed (as with git's short hashes).
 * Shorter hex names ("cc", "db") stay allowed: an id prefix that short is rarely unique, and a name wins over it.
 */
export const ID_LIKE_RE = /^[0-9a-f]{4,16}$/;

export const NAME_RULE = '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Why `name` cannot be a session name, or null if it can. */
export function nameProblem(name: string): string | null {
  if (!NAME_RE.test(name)) return `a name is ${NAME_RULE}`;
  if (ID_LIKE_RE.test(name)) {
    return `"${name}" looks like a session id (4-16 hex digits) and could stand in for another session's id prefix; ` +
      'pick a name with a letter other than a-f, or a "-"';
  }
  return null;
}

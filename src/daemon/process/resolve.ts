// Turns what the user typed as SESSION into one session: exact id, then exact name, then a unique id prefix.
import { RcdError } from '../../common/errors.js';
import type { SessionRecord, SessionStore } from '../../store/sessions.js';

export function resolveSession(store: SessionStore, ref: string): SessionRecord {
  const exact = store.get(ref) ?? store.getByName(ref);
  if (exact) return exact;
  const matches = store.withIdPrefix(ref);
  if (matches.length === 1) return matches[0] as SessionRecord;
  if (matches.length > 1) {
    const err = new RcdError(
      'AMBIGUOUS',
      `"${ref}" matches ${matches.length} sessions (${matches.map((s) => `${s.id} ${s.name}`).join(', ')}); type more of the id or use the name`,
    );
    throw Object.assign(err, { candidates: matches.map((s) => s.id) });
  }
  throw new RcdError('NOT_FOUND', `no session "${ref}"; run \`rcd status\` to list sessions`);
}

// Instructions from remote clients to a session's daemon (prompt, approve, deny, stop), or to the daemon itself (a
// remote start through its device URL): stored durably before the client gets its answer, deduplicated by the
// client's idempotency key, offered to the daemon oldest first until it acknowledges them. An instruction to the
// daemon itself gets a (sealed) result back, which its client fetches.
import { randomBytes } from 'node:crypto';
import type { Instruction } from '../../protocol/relay.js';
import { toInstruction, type RawInstruction } from '../rows.js';
import { ACKED_KEEP_MS, MAX_INSTRUCTIONS_PER_POLL, SWEEP_BATCH, type InstructionStore, type Target } from '../stores.js';
import type { Db } from './db.js';


export class SqliteInstructionStore implements InstructionStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      byKey: db.prepare<[string, string], { id: string; kind: string }>(
        'SELECT id, kind FROM instructions WHERE session_id = ? AND idempotency_key = ?',
      ),
      byDaemonKey: db.prepare<[string, string], { id: string; kind: string }>(
        'SELECT id, kind FROM instructions WHERE daemon_id = ? AND session_id IS NULL AND idempotency_key = ?',
      ),
      pendingCount: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM instructions WHERE session_id = ? AND acked_at IS NULL'),
      daemonPendingCount: db.prepare<[string], { n: number }>(
        'SELECT COUNT(*) AS n FROM instructions WHERE daemon_id = ? AND session_id IS NULL AND (acked_at IS NULL OR result IS NULL)',
      ),
      insert: db.prepare(
        'INSERT INTO instructions (id, daemon_id, session_id, kind, payload, idempotency_key, via, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      pending: db.prepare<[string, number], RawInstruction>(
        `SELECT id, session_id, kind, payload, via, created_at FROM instructions
          WHERE daemon_id = ? AND acked_at IS NULL ORDER BY seq LIMIT ?`,
      ),
      ack: db.prepare('UPDATE instructions SET acked_at = ? WHERE id = ? AND acked_at IS NULL AND daemon_id = ?'),
      result: db.prepare('UPDATE instructions SET result = ? WHERE id = ? AND daemon_id = ? AND session_id IS NULL AND result IS NULL'),
      resultOf: db.prepare<[string, string], { result: string | null; acked_at: string | null }>(
        'SELECT result, acked_at FROM instructions WHERE id = ? AND daemon_id = ? AND session_id IS NULL',
      ),
      sweep: db.prepare(
        `DELETE FROM instructions WHERE seq IN
           (SELECT seq FROM instructions WHERE acked_at IS NOT NULL AND acked_at < ? LIMIT ${SWEEP_BATCH})`,
      ),
    };
  }

  /**
   * Stores an instruction unless one with this key exists for the session; either way returns its id.
   * `kind-mismatch` when the key was used for another kind of instruction (a client bug, not a retry).
   * `via` is the hash of the token the client came through, always: the daemon runs only instructions that name
   * the session's current URL. 'full' when `maxPending` instructions of the session wait already (a retry of one
   * of them is still answered as a duplicate).
   */
  async accept(
    to: Target,
    kind: Instruction['kind'],
    payload: Record<string, unknown>,
    idempotencyKey: string,
    via: string,
    maxPending: number,
  ): Promise<{ id: string; duplicate: boolean } | 'kind-mismatch' | 'full'> {
    const { daemonId, sessionId } = to;
    return this.db.transaction(() => {
      const existing = sessionId === null ? this.q.byDaemonKey.get(daemonId, idempotencyKey) : this.q.byKey.get(sessionId, idempotencyKey);
      if (existing) return existing.kind === kind ? { id: existing.id, duplicate: true } : 'kind-mismatch' as const;
      // An instruction to the daemon counts as waiting until its result is back: those are few and slow (a start).
      const waiting = sessionId === null ? this.q.daemonPendingCount.get(daemonId) : this.q.pendingCount.get(sessionId);
      if ((waiting?.n ?? 0) >= maxPending) return 'full' as const;
      const id = `i_${randomBytes(12).toString('base64url')}`;
      this.q.insert.run(id, daemonId, sessionId, kind, JSON.stringify(payload), idempotencyKey, via, new Date().toISOString());
      return { id, duplicate: false };
    }).immediate();
  }

  /** The daemon's results for instructions to itself; ids it does not own, or already answered, are ignored. */
  async storeResults(daemonId: string, results: readonly { id: string; result: string }[]): Promise<number> {
    return this.db.transaction(() => {
      let n = 0;
      for (const r of results) n += this.q.result.run(r.result, r.id, daemonId).changes;
      return n;
    }).immediate();
  }

  /** An instruction to the daemon itself: whether the daemon took it, and its sealed result once there; null: none such. */
  async resultOf(daemonId: string, id: string): Promise<{ taken: boolean; result: string | null } | null> {
    const row = this.q.resultOf.get(id, daemonId);
    return row ? { taken: row.acked_at !== null, result: row.result } : null;
  }

  /** Whether a key was already used for this session (an approval retried after nothing waits any more). */
  async existing(sessionId: string, idempotencyKey: string): Promise<{ id: string; kind: string } | null> {
    return this.q.byKey.get(sessionId, idempotencyKey) ?? null;
  }

  /** Unacknowledged instructions of the daemon's sessions, in acceptance order. */
  async pendingFor(daemonId: string): Promise<Instruction[]> {
    return this.q.pending.all(daemonId, MAX_INSTRUCTIONS_PER_POLL).map(toInstruction);
  }

  /** Marks the daemon's instructions acknowledged; ids it does not own, or unknown ones, are ignored. */
  async ack(daemonId: string, ids: readonly string[]): Promise<number> {
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      let n = 0;
      for (const id of ids) n += this.q.ack.run(now, id, daemonId).changes;
      this.q.sweep.run(new Date(Date.now() - ACKED_KEEP_MS).toISOString());
      return n;
    }).immediate();
  }

  /** Deletes (a batch of) instructions acknowledged before `cutoff` (ISO time); returns how many. */
  async sweep(cutoff: string): Promise<number> {
    return this.q.sweep.run(cutoff).changes;
  }
}

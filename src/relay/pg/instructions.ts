// Instructions in the shared PostgreSQL store: the rules of sqlite/instructions.ts. Accepting locks the target's row
// (the session, or the daemon for an instruction to itself), so the pending count and the idempotency key are checked
// and the row inserted as one step across instances; a retry arriving at two instances at once is still one row
// (the unique key refuses the second insert, and tx() runs it again, finding the first).
import { randomBytes } from 'node:crypto';
import type { Instruction } from '../../protocol/relay.js';
import { toInstruction, type RawInstruction } from '../rows.js';
import { ACKED_KEEP_MS, MAX_INSTRUCTIONS_PER_POLL, SWEEP_BATCH, type InstructionStore, type Target } from '../stores.js';
import { prepared, tx, type Pool, type Queryable } from './db.js';


const Q = {
  pending: prepared('instructions_pending', `SELECT id, session_id, kind, payload, via, created_at FROM instructions
      WHERE daemon_id = $1 AND acked_at IS NULL ORDER BY seq LIMIT $2`),
  ack: prepared('instructions_ack', 'UPDATE instructions SET acked_at = $1 WHERE id = ANY($2::text[]) AND acked_at IS NULL AND daemon_id = $3'),
};

async function sweep(c: Queryable, cutoff: string): Promise<number> {
  const r = await c.query(
    `DELETE FROM instructions WHERE seq IN
       (SELECT seq FROM instructions WHERE acked_at IS NOT NULL AND acked_at < $1 LIMIT ${SWEEP_BATCH})`,
    [cutoff],
  );
  return r.rowCount ?? 0;
}

export class PgInstructionStore implements InstructionStore {
  constructor(private readonly pool: Pool) {}

  async accept(
    to: Target,
    kind: Instruction['kind'],
    payload: Record<string, unknown>,
    idempotencyKey: string,
    via: string,
    maxPending: number,
  ): Promise<{ id: string; duplicate: boolean } | 'kind-mismatch' | 'full'> {
    const { daemonId, sessionId } = to;
    return tx(this.pool, async (c) => {
      if (sessionId === null) await c.query('SELECT 1 FROM daemons WHERE id = $1 FOR UPDATE', [daemonId]);
      else await c.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
      const existing = sessionId === null
        ? await c.query<{ id: string; kind: string }>('SELECT id, kind FROM instructions WHERE daemon_id = $1 AND session_id IS NULL AND idempotency_key = $2', [daemonId, idempotencyKey])
        : await c.query<{ id: string; kind: string }>('SELECT id, kind FROM instructions WHERE session_id = $1 AND idempotency_key = $2', [sessionId, idempotencyKey]);
      const found = existing.rows[0];
      if (found) return found.kind === kind ? { id: found.id, duplicate: true } : 'kind-mismatch' as const;
      // An instruction to the daemon counts as waiting until its result is back: those are few and slow (a start).
      const waiting = sessionId === null
        ? await c.query<{ n: number }>('SELECT COUNT(*) AS n FROM instructions WHERE daemon_id = $1 AND session_id IS NULL AND (acked_at IS NULL OR result IS NULL)', [daemonId])
        : await c.query<{ n: number }>('SELECT COUNT(*) AS n FROM instructions WHERE session_id = $1 AND acked_at IS NULL', [sessionId]);
      if ((waiting.rows[0]?.n ?? 0) >= maxPending) return 'full' as const;
      const id = `i_${randomBytes(12).toString('base64url')}`;
      await c.query(
        'INSERT INTO instructions (id, daemon_id, session_id, kind, payload, idempotency_key, via, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [id, daemonId, sessionId, kind, JSON.stringify(payload), idempotencyKey, via, new Date().toISOString()],
      );
      return { id, duplicate: false };
    });
  }

  async storeResults(daemonId: string, results: readonly { id: string; result: string }[]): Promise<number> {
    if (results.length === 0) return 0;
    const r = await this.pool.query(
      `UPDATE instructions i SET result = r.result FROM unnest($1::text[], $2::text[]) AS r(id, result)
        WHERE i.id = r.id AND i.daemon_id = $3 AND i.session_id IS NULL AND i.result IS NULL`,
      [results.map((x) => x.id), results.map((x) => x.result), daemonId],
    );
    return r.rowCount ?? 0;
  }

  async resultOf(daemonId: string, id: string): Promise<{ taken: boolean; result: string | null } | null> {
    const row = (await this.pool.query<{ result: string | null; acked_at: string | null }>(
      'SELECT result, acked_at FROM instructions WHERE id = $1 AND daemon_id = $2 AND session_id IS NULL', [id, daemonId],
    )).rows[0];
    return row ? { taken: row.acked_at !== null, result: row.result } : null;
  }

  async existing(sessionId: string, idempotencyKey: string): Promise<{ id: string; kind: string } | null> {
    return (await this.pool.query<{ id: string; kind: string }>(
      'SELECT id, kind FROM instructions WHERE session_id = $1 AND idempotency_key = $2', [sessionId, idempotencyKey],
    )).rows[0] ?? null;
  }

  async pendingFor(daemonId: string): Promise<Instruction[]> {
    const rows = (await this.pool.query<RawInstruction>(Q.pending([daemonId, MAX_INSTRUCTIONS_PER_POLL]))).rows;
    return rows.map(toInstruction);
  }

  async ack(daemonId: string, ids: readonly string[]): Promise<number> {
    const r = await this.pool.query(Q.ack([new Date().toISOString(), [...ids], daemonId]));
    await sweep(this.pool, new Date(Date.now() - ACKED_KEEP_MS).toISOString());
    return r.rowCount ?? 0;
  }

  async sweep(cutoff: string): Promise<number> {
    return sweep(this.pool, cutoff);
  }
}

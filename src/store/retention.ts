// Keeps each session's stored output within a byte budget by deleting its oldest output events, in small
// transactions so the daemon keeps answering while a big backlog is pruned.
import type { Db } from './db.js';

// Rows deleted per transaction: a few milliseconds of work, so a request never waits long behind pruning.
const DELETE_BATCH = 500;

export interface PruneResult {
  sessions: number;
  deletedEvents: number;
}

export async function pruneOutput(db: Db, keepBytes: number): Promise<PruneResult> {
  const sessions = db
    .prepare<[number], { id: string }>(
      "SELECT session_id AS id FROM events WHERE kind = 'output' GROUP BY session_id HAVING SUM(length(data)) > ?",
    )
    .all(keepBytes);
  // The newest output whose running total (newest first) passes the budget: it and everything older goes.
  const cutoff = db.prepare<[string, number], { seq: number }>(
    `SELECT seq FROM (
       SELECT seq, SUM(length(data)) OVER (ORDER BY seq DESC) AS acc FROM events WHERE session_id = ? AND kind = 'output'
     ) WHERE acc > ? ORDER BY seq DESC LIMIT 1`,
  );
  const deleteBatch = db.prepare(
    `DELETE FROM events WHERE id IN (
       SELECT id FROM events WHERE session_id = ? AND kind = 'output' AND seq <= ? ORDER BY seq LIMIT ${DELETE_BATCH})`,
  );
  let deletedEvents = 0;
  for (const { id } of sessions) {
    const row = cutoff.get(id, keepBytes);
    if (!row) continue;
    for (;;) {
      const { changes } = deleteBatch.run(id, row.seq);
      deletedEvents += changes;
      if (changes < DELETE_BATCH) break;
      await new Promise((r) => setImmediate(r));
    }
  }
  return { sessions: sessions.length, deletedEvents };
}

// The per-session event log: output chunks and state changes, each with a gap-free per-session seq that is
// assigned in the same transaction that stores it (and, for output, moves the file offset).
import type { Db } from './db.js';

export interface OutputChunk {
  seq: number;
  data: Buffer;
}

export class EventStore {
  private readonly nextSeqStmt;
  private readonly insertStmt;
  private readonly offsetStmt;
  private readonly setOffsetStmt;
  private readonly outputStmt;
  private readonly lastSeqStmt;
  private readonly appendOutputTx;

  constructor(private readonly db: Db) {
    this.nextSeqStmt = db.prepare<[string], { next: number }>(
      'SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM events WHERE session_id = ?',
    );
    this.insertStmt = db.prepare(
      'INSERT INTO events (session_id, seq, at, kind, stream, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.offsetStmt = db.prepare<[string, string], { offset: number; path: string }>(
      'SELECT offset, path FROM output_offsets WHERE session_id = ? AND stream = ?',
    );
    this.setOffsetStmt = db.prepare(
      `INSERT INTO output_offsets (session_id, stream, path, offset) VALUES (?, ?, ?, ?)
       ON CONFLICT (session_id, stream) DO UPDATE SET offset = excluded.offset, path = excluded.path`,
    );
    this.outputStmt = db.prepare<[string, number, number], { seq: number; data: Buffer }>(
      "SELECT seq, data FROM events WHERE session_id = ? AND kind = 'output' AND seq >= ? ORDER BY seq LIMIT ?",
    );
    this.lastSeqStmt = db.prepare<[string], { last: number }>(
      'SELECT COALESCE(MAX(seq), 0) AS last FROM events WHERE session_id = ?',
    );
    this.appendOutputTx = db.transaction(
      (sessionId: string, stream: string, path: string, data: Buffer, newOffset: number) => {
        const { next } = this.nextSeqStmt.get(sessionId) as { next: number };
        this.insertStmt.run(sessionId, next, new Date().toISOString(), 'output', stream, data);
        this.setOffsetStmt.run(sessionId, stream, path, newOffset);
        return next;
      },
    );
  }

  /** Stores one chunk of output and the file offset it reaches, atomically: a crash keeps both or neither. */
  appendOutput(sessionId: string, stream: string, path: string, data: Buffer, newOffset: number): number {
    return this.appendOutputTx(sessionId, stream, path, data, newOffset);
  }

  /** Runs `fn` in one transaction (nested writes become part of it). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  appendState(sessionId: string, detail: Record<string, unknown>): number {
    return this.db.transaction(() => {
      const { next } = this.nextSeqStmt.get(sessionId) as { next: number };
      this.insertStmt.run(sessionId, next, new Date().toISOString(), 'state', null, Buffer.from(JSON.stringify(detail)));
      return next;
    })();
  }

  offset(sessionId: string, stream: string): number {
    return this.offsetStmt.get(sessionId, stream)?.offset ?? 0;
  }

  setOffset(sessionId: string, stream: string, path: string, offset: number): void {
    this.setOffsetStmt.run(sessionId, stream, path, offset);
  }

  /** Output chunks with seq >= from, oldest first, at most `limit` of them. */
  output(sessionId: string, from: number, limit: number): OutputChunk[] {
    return this.outputStmt.all(sessionId, from, limit);
  }

  lastSeq(sessionId: string): number {
    return this.lastSeqStmt.get(sessionId)?.last ?? 0;
  }
}

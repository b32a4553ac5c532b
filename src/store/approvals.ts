// Queries on the approvals table and its audit trail. A state change and its audit row are written in one
// transaction, so the trail never misses a decision nor records one that did not happen.
import type { Db } from './db.js';

export const APPROVAL_STATES = ['pending', 'allowed', 'denied', 'expired'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];
export type Actor = 'agent' | 'local' | 'remote' | 'timeout' | 'rcd';
/** What Claude Code asks: may a tool run (`tool`), an AskUserQuestion (`question`), an ExitPlanMode (`plan`). */
export const REQUEST_KINDS = ['tool', 'question', 'plan'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
/** What an allow carries to the agent beyond "yes": the input to run with (answers added), rules or a mode to apply. */
export interface AllowAnswer {
  updatedInput?: Record<string, unknown>;
  updatedPermissions?: Record<string, unknown>[];
}
/** An audit row that is not about a request: a mode switch or an interrupt (`rcd mode`, `rcd interrupt`). */
export interface SessionAction {
  at: string; sessionId: string; id: string; kind: 'mode' | 'interrupt' | 'start'; action: 'mode' | 'interrupted' | 'started' | 'refused'; actor: Actor; detail: string | null;
}

export interface ApprovalRecord {
  sessionId: string;
  id: string;
  run: number;
  tool: string;
  kind: RequestKind;
  input: Record<string, unknown>;
  /** The request's permission_suggestions (null: it offered none). */
  suggestions: Record<string, unknown>[] | null;
  /** Set with an allow: what the answer carries (re-sent as is after a daemon restart). */
  answer: AllowAnswer | null;
  state: ApprovalState;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: Actor | null;
  message: string | null;
  delivered: boolean;
}

interface Row {
  session_id: string; id: string; run: number; tool: string; input: string; state: string; created_at: string;
  decided_at: string | null; decided_by: string | null; message: string | null; delivered: number;
  kind: string; suggestions: string | null; answer: string | null;
}

const fromRow = (r: Row): ApprovalRecord => ({
  sessionId: r.session_id, id: r.id, run: r.run, tool: r.tool, kind: r.kind as RequestKind, input: JSON.parse(r.input) as Record<string, unknown>,
  suggestions: r.suggestions === null ? null : (JSON.parse(r.suggestions) as Record<string, unknown>[]),
  answer: r.answer === null ? null : (JSON.parse(r.answer) as AllowAnswer),
  state: r.state as ApprovalState, createdAt: r.created_at, decidedAt: r.decided_at, decidedBy: r.decided_by as Actor | null,
  message: r.message, delivered: r.delivered === 1,
});

export class ApprovalStore {
  private readonly insertStmt;
  private readonly auditStmt;
  private readonly getStmt;
  private readonly pendingStmt;
  private readonly allPendingStmt;
  private readonly bySessionStmt;
  private readonly allStmt;
  private readonly decideStmt;
  private readonly deliveredStmt;
  private readonly undeliveredStmt;
  private readonly countsStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO approvals (session_id, id, run, tool, kind, input, suggestions, state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
    );
    this.auditStmt = db.prepare(
      'INSERT INTO approval_audit (at, session_id, approval_id, tool, action, actor, detail, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.getStmt = db.prepare<[string, string], Row>('SELECT * FROM approvals WHERE session_id = ? AND id = ?');
    this.pendingStmt = db.prepare<[string], Row>("SELECT * FROM approvals WHERE session_id = ? AND state = 'pending' ORDER BY created_at, rowid");
    this.allPendingStmt = db.prepare<[], Row>("SELECT * FROM approvals WHERE state = 'pending' ORDER BY created_at, rowid");
    this.bySessionStmt = db.prepare<[string], Row>('SELECT * FROM approvals WHERE session_id = ? ORDER BY created_at, rowid');
    this.allStmt = db.prepare<[], Row>('SELECT * FROM approvals ORDER BY created_at, rowid');
    this.decideStmt = db.prepare(
      `UPDATE approvals SET state = ?, decided_at = ?, decided_by = ?, message = ?, delivered = ?, answer = ?
       WHERE session_id = ? AND id = ? AND state = 'pending'`,
    );
    this.deliveredStmt = db.prepare('UPDATE approvals SET delivered = 1 WHERE session_id = ? AND id = ?');
    this.undeliveredStmt = db.prepare<[string], Row>(
      "SELECT * FROM approvals WHERE session_id = ? AND state IN ('allowed', 'denied') AND delivered = 0 ORDER BY decided_at",
    );
    this.countsStmt = db.prepare<[], { session_id: string; n: number }>(
      "SELECT session_id, COUNT(*) AS n FROM approvals WHERE state = 'pending' GROUP BY session_id",
    );
  }

  /** Records a request; false when this id was seen before (a re-read line after a crash). */
  request(a: {
    sessionId: string; id: string; run: number; tool: string; kind: RequestKind; input: Record<string, unknown>;
    suggestions: Record<string, unknown>[] | null; at: string;
  }): boolean {
    return this.db.transaction(() => {
      const suggestions = a.suggestions === null ? null : JSON.stringify(a.suggestions);
      const inserted = this.insertStmt.run(a.sessionId, a.id, a.run, a.tool, a.kind, JSON.stringify(a.input), suggestions, a.at).changes === 1;
      if (inserted) this.auditStmt.run(a.at, a.sessionId, a.id, a.tool, 'requested', 'agent', null, a.kind);
      return inserted;
    })();
  }

  /**
   * Moves a pending approval to its final state; false when it was not pending any more (someone else decided
   * first). Expired ones need no delivery: nobody is waiting for their answer. `answer` is what an allow carries;
   * `detail` is what the audit trail says about it (the answers given, the rules remembered), else the message.
   */
  decide(
    sessionId: string, id: string, state: Exclude<ApprovalState, 'pending'>, actor: Actor, message: string | null, at: string,
    answer: AllowAnswer | null = null, detail: string | null = null,
  ): boolean {
    return this.db.transaction(() => {
      const row = this.getStmt.get(sessionId, id);
      if (!row || row.state !== 'pending') return false;
      this.decideStmt.run(state, at, actor, message, state === 'expired' ? 1 : 0, answer === null ? null : JSON.stringify(answer), sessionId, id);
      this.auditStmt.run(at, sessionId, id, row.tool, state, actor, detail ?? message, row.kind);
      return true;
    })();
  }

  /**
   * A decision that can no longer reach the process that asked (it ended first) did not happen as far as the agent
   * knows: it becomes expired, with the reason in the audit trail next to the decision itself.
   */
  expireUndelivered(sessionId: string, id: string, reason: string, at: string): boolean {
    return this.db.transaction(() => {
      const row = this.getStmt.get(sessionId, id);
      if (!row || row.delivered === 1 || (row.state !== 'allowed' && row.state !== 'denied')) return false;
      // The row now says who ended it and when (rcd, now); the audit trail keeps the undelivered decision before it.
      this.db.prepare("UPDATE approvals SET state = 'expired', message = ?, decided_by = 'rcd', decided_at = ?, delivered = 1 WHERE session_id = ? AND id = ?")
        .run(reason, at, sessionId, id);
      this.auditStmt.run(at, sessionId, id, row.tool, 'expired', 'rcd', reason, row.kind);
      return true;
    })();
  }

  /** A mode switch or an interrupt, in the same trail as the requests (approval: rcd's control request id). */
  recordAction(a: SessionAction): void {
    const tool = a.kind === 'mode' ? 'set_permission_mode' : a.kind === 'start' ? 'rcd remote start' : 'interrupt';
    this.auditStmt.run(a.at, a.sessionId, a.id, tool, a.action, a.actor, a.detail, a.kind);
  }

  markDelivered(sessionId: string, id: string): void {
    this.deliveredStmt.run(sessionId, id);
  }

  get(sessionId: string, id: string): ApprovalRecord | undefined {
    const r = this.getStmt.get(sessionId, id);
    return r && fromRow(r);
  }

  pending(sessionId?: string): ApprovalRecord[] {
    return (sessionId === undefined ? this.allPendingStmt.all() : this.pendingStmt.all(sessionId)).map(fromRow);
  }

  all(sessionId?: string): ApprovalRecord[] {
    return (sessionId === undefined ? this.allStmt.all() : this.bySessionStmt.all(sessionId)).map(fromRow);
  }

  /** Decisions taken but not yet known to be written to the agent (the daemon died in between). */
  undelivered(sessionId: string): ApprovalRecord[] {
    return this.undeliveredStmt.all(sessionId).map(fromRow);
  }

  /** Pending approvals per session, for `status` (one query for every session). */
  pendingCounts(): Map<string, number> {
    return new Map(this.countsStmt.all().map((r) => [r.session_id, r.n]));
  }

  audit(sessionId?: string): { at: string; sessionId: string; approvalId: string; tool: string; kind: string; action: string; actor: string; detail: string | null }[] {
    const rows = this.db
      .prepare<unknown[], { at: string; session_id: string; approval_id: string; tool: string; kind: string; action: string; actor: string; detail: string | null }>(
        `SELECT * FROM approval_audit ${sessionId === undefined ? '' : 'WHERE session_id = ?'} ORDER BY seq`,
      )
      .all(...(sessionId === undefined ? [] : [sessionId]));
    return rows.map((r) => ({ at: r.at, sessionId: r.session_id, approvalId: r.approval_id, tool: r.tool, kind: r.kind, action: r.action, actor: r.actor, detail: r.detail }));
  }
}

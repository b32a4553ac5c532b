// Queries on the sessions and runs tables. Rows are converted to SessionRecord here and nowhere else.
import type { Db } from './db.js';
import type { AgentKind, RestartPolicy, SessionState } from '../protocol/session.js';

/** Where a session was started: `rcd start` here, or `rcd remote start` through the device URL. */
export type SessionOrigin = 'local' | 'remote';

export interface Worktree {
  path: string;
  branch: string;
  /** The repository's main worktree (its top level), where `git worktree` commands run. */
  repo: string;
}

export interface SessionRecord {
  id: string;
  name: string;
  cwd: string;
  agent: AgentKind;
  command: string[];
  env: Record<string, string>;
  restartPolicy: RestartPolicy;
  state: SessionState;
  pid: number | null;
  pidStart: string | null;
  wrapperPid: number | null;
  run: number;
  restarts: number;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  agentSessionId: string | null;
  /** claude: the permission mode it runs in (its init line, or the last `rcd mode`); null until known. */
  permissionMode: string | null;
  /** The git worktree rcd made for the session (`rcd start --worktree`), its cwd; null otherwise. */
  worktree: Worktree | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
}

interface Row {
  id: string; name: string; cwd: string; agent: string; command: string; env: string; restart_policy: string;
  state: string; pid: number | null; pid_start: string | null; wrapper_pid: number | null; run: number;
  restarts: number; exit_code: number | null; signal: string | null; reason: string | null;
  agent_session_id: string | null; permission_mode: string | null; worktree: string | null; created_at: string; updated_at: string; started_at: string | null;
}

function fromRow(r: Row): SessionRecord {
  let env: Record<string, string> | undefined;
  const record = {
    id: r.id, name: r.name, cwd: r.cwd, agent: r.agent as AgentKind,
    command: JSON.parse(r.command) as string[],
    restartPolicy: r.restart_policy as RestartPolicy, state: r.state as SessionState,
    pid: r.pid, pidStart: r.pid_start, wrapperPid: r.wrapper_pid, run: r.run, restarts: r.restarts,
    exitCode: r.exit_code, signal: r.signal, reason: r.reason, agentSessionId: r.agent_session_id,
    permissionMode: r.permission_mode ?? null,
    worktree: r.worktree ? (JSON.parse(r.worktree) as Worktree) : null,
    createdAt: r.created_at, updatedAt: r.updated_at, startedAt: r.started_at,
  };
  // The environment is large and only needed to spawn: parse it on first use, not for every `status`.
  return Object.defineProperty(record, 'env', {
    get: () => (env ??= JSON.parse(r.env) as Record<string, string>),
    enumerable: true,
  }) as SessionRecord;
}

/** Fields a state change may set; anything left out keeps its value. */
export type SessionPatch = Partial<Pick<SessionRecord,
  'state' | 'pid' | 'pidStart' | 'wrapperPid' | 'run' | 'restarts' | 'exitCode' | 'signal' | 'reason' | 'startedAt' | 'agentSessionId' | 'permissionMode'>>;

const COLUMNS: Record<keyof SessionPatch, string> = {
  state: 'state', pid: 'pid', pidStart: 'pid_start', wrapperPid: 'wrapper_pid', run: 'run', restarts: 'restarts',
  exitCode: 'exit_code', signal: 'signal', reason: 'reason', startedAt: 'started_at', agentSessionId: 'agent_session_id',
  permissionMode: 'permission_mode',
};

export class SessionStore {
  private readonly byId;
  private readonly byName;
  private readonly all;
  private readonly byPrefix;
  private readonly live;
  private readonly insertStmt;
  private readonly deleteStmt;

  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], Row>('SELECT * FROM sessions WHERE id = ?');
    this.byName = db.prepare<[string], Row>('SELECT * FROM sessions WHERE name = ?');
    this.all = db.prepare<[], Row>('SELECT * FROM sessions ORDER BY created_at, id');
    this.byPrefix = db.prepare<[{ p: string }], Row>('SELECT * FROM sessions WHERE substr(id, 1, length(@p)) = @p ORDER BY id');
    this.live = db.prepare<[], Row>(
      "SELECT * FROM sessions WHERE state IN ('starting', 'running', 'restarting', 'stopping') ORDER BY created_at",
    );
    this.insertStmt = db.prepare(
      `INSERT INTO sessions (id, name, cwd, agent, command, env, restart_policy, state, agent_session_id, created_at, updated_at)
       VALUES (@id, @name, @cwd, @agent, @command, @env, @restartPolicy, @state, @agentSessionId, @createdAt, @createdAt)`,
    );
    this.deleteStmt = db.prepare('DELETE FROM sessions WHERE id = ?');
  }

  get(id: string): SessionRecord | undefined {
    const r = this.byId.get(id);
    return r && fromRow(r);
  }

  getByName(name: string): SessionRecord | undefined {
    const r = this.byName.get(name);
    return r && fromRow(r);
  }

  withIdPrefix(prefix: string): SessionRecord[] {
    return this.byPrefix.all({ p: prefix }).map(fromRow);
  }

  list(): SessionRecord[] {
    return this.all.all().map(fromRow);
  }

  listLive(): SessionRecord[] {
    return this.live.all().map(fromRow);
  }

  nameTaken(name: string): boolean {
    return this.byName.get(name) !== undefined;
  }

  insert(s: Pick<SessionRecord, 'id' | 'name' | 'cwd' | 'agent' | 'command' | 'env' | 'restartPolicy' | 'state' | 'createdAt'> & { agentSessionId?: string | null }): void {
    this.insertStmt.run({ ...s, agentSessionId: s.agentSessionId ?? null, command: JSON.stringify(s.command), env: JSON.stringify(s.env) });
  }

  update(id: string, patch: SessionPatch): void {
    const keys = (Object.keys(patch) as (keyof SessionPatch)[]).filter((k) => k in COLUMNS);
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ');
    const values: Record<string, unknown> = { id };
    for (const k of keys) values[k] = patch[k];
    this.db.prepare(`UPDATE sessions SET ${sets}, updated_at = @updatedAt WHERE id = @id`).run({
      ...values,
      updatedAt: new Date().toISOString(),
    });
  }

  setOrigin(id: string, origin: SessionOrigin): void {
    this.db.prepare('UPDATE sessions SET origin = ? WHERE id = ?').run(origin, id);
  }

  /** Sessions started here (`rcd start`), newest first: their directory, name and environment. */
  localStarts(): { id: string; name: string; cwd: string; worktree: Worktree | null; env: Record<string, string> }[] {
    return this.db
      .prepare<[], { id: string; name: string; cwd: string; worktree: string | null; env: string }>(
        "SELECT id, name, cwd, worktree, env FROM sessions WHERE origin = 'local' ORDER BY created_at DESC, rowid DESC",
      )
      .all()
      .map((r) => ({ ...r, worktree: r.worktree ? (JSON.parse(r.worktree) as Worktree) : null, env: JSON.parse(r.env) as Record<string, string> }));
  }

  /** The worktree rcd made for the session (set once, at start; or by a rebuild from its session file). */
  setWorktree(id: string, worktree: Worktree | null): void {
    this.db.prepare('UPDATE sessions SET worktree = ? WHERE id = ?').run(worktree ? JSON.stringify(worktree) : null, id);
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  startRun(id: string, run: number, pid: number | null, at: string): void {
    this.db.prepare('INSERT OR REPLACE INTO runs (session_id, run, pid, started_at) VALUES (?, ?, ?, ?)').run(id, run, pid, at);
  }

  endRun(id: string, run: number, end: { exitCode: number | null; signal: string | null; reason: string | null; at: string }): void {
    this.db
      .prepare('UPDATE runs SET ended_at = ?, exit_code = ?, signal = ?, reason = ? WHERE session_id = ? AND run = ?')
      .run(end.at, end.exitCode, end.signal, end.reason, id, run);
  }
}

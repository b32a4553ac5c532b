// Creating a session's record: the live-session cap, the one-session-per-directory rule and the name are checked
// and claimed in one immediate transaction, so two racing starts can never both win (a partial UNIQUE index on
// live sessions' cwd backs the rule in the database itself).
import { RcdError } from '../../common/errors.js';
import type { AgentAdapter } from '../../agents/adapter.js';
import type { RequestOf } from '../../protocol/api.js';
import type { Db } from '../../store/db.js';
import type { SessionStore } from '../../store/sessions.js';
import { defaultName } from './session-name.js';
import { overlaps } from './workdir.js';

/** Throws unless one more live session may work in `cwd` (besides `except`, the session being restarted). */
function checkRoom(sessions: SessionStore, maxSessions: number, cwd: string, except?: string): void {
  const live = sessions.listLive().filter((s) => s.id !== except);
  if (live.length >= maxSessions) {
    throw new RcdError('LIMIT', `${live.length} sessions are live, the limit is ${maxSessions}; stop one (rcd stop SESSION) or raise maxSessions in config.json`);
  }
  const holder = live.find((s) => overlaps(s.cwd, cwd));
  if (holder) {
    const where = holder.cwd === cwd ? `${cwd}` : `${holder.cwd}, which ${cwd.startsWith(holder.cwd) ? 'contains' : 'is inside'} ${cwd}`;
    throw new RcdError('CONFLICT', `session ${holder.name} (${holder.id}, ${holder.state}) already works in ${where}; stop it first with \`rcd stop ${holder.name}\``);
  }
}

export function claimSession(db: Db, sessions: SessionStore, maxSessions: number, req: RequestOf<'start'>, cwd: string, id: string, adapter: AgentAdapter): void {
  db.transaction(() => {
    checkRoom(sessions, maxSessions, cwd);
    if (req.name && sessions.nameTaken(req.name)) {
      throw new RcdError('CONFLICT', `a session named ${req.name} already exists; pick another --name, or stop and remove that one (\`rcd stop ${req.name}\`, then \`rcd rm ${req.name}\`)`);
    }
    sessions.insert({
      id, name: req.name ?? defaultName(cwd, (n) => sessions.nameTaken(n)), cwd, agent: req.agent, command: req.command, env: req.env,
      restartPolicy: req.restart ?? adapter.defaultRestart, state: 'starting', createdAt: new Date().toISOString(),
      agentSessionId: adapter.newAgentSessionId(),
    });
  }).immediate();
}

/** Moves an existing session that is not live back to `starting`, if its directory is free and the cap allows. */
export function claimRestart(db: Db, sessions: SessionStore, maxSessions: number, id: string): void {
  db.transaction(() => {
    const s = sessions.get(id);
    if (!s) throw new RcdError('NOT_FOUND', `no session ${id}`);
    if (['starting', 'running', 'restarting', 'stopping'].includes(s.state)) {
      throw new RcdError('CONFLICT', `session ${s.name} is ${s.state} again already`);
    }
    checkRoom(sessions, maxSessions, s.cwd, id);
    sessions.update(id, { state: 'starting', pid: null, exitCode: null, signal: null, reason: null });
  }).immediate();
}

// A session record as clients see it (`rcd status --json`, the control API): what the protocol's SessionView says,
// with the agent's pid only while it runs and Claude Code's permission mode only for claude sessions.
import type { SessionView } from '../../protocol/session.js';
import type { SessionRecord } from '../../store/sessions.js';

export function sessionView(s: SessionRecord, pendingApprovals: number): SessionView {
  return {
    id: s.id, name: s.name, cwd: s.cwd, agent: s.agent, command: s.command, restartPolicy: s.restartPolicy,
    state: s.state, pid: s.state === 'running' || s.state === 'stopping' ? s.pid : null, restarts: s.restarts,
    exitCode: s.exitCode, signal: s.signal, reason: s.reason, pendingApprovals,
    agentSessionId: s.agentSessionId, permissionMode: s.permissionMode, worktree: s.worktree, createdAt: s.createdAt, startedAt: s.startedAt,
  };
}

// The session as every client sees it: the `sessions[]` entries of `rcd status --json` (see README.md, "rcd status --json").
import { z } from 'zod';

export const SESSION_STATES = ['starting', 'running', 'restarting', 'stopping', 'stopped', 'exited', 'failed'] as const;
export const SessionState = z.enum(SESSION_STATES);
export type SessionState = z.infer<typeof SessionState>;

/** States in which a session holds its directory and counts against the live-session cap. */
export const LIVE_STATES: readonly SessionState[] = ['starting', 'running', 'restarting', 'stopping'];

export const AGENT_KINDS = ['generic', 'claude'] as const;
export const AgentKind = z.enum(AGENT_KINDS);
export type AgentKind = z.infer<typeof AgentKind>;

export const RESTART_POLICIES = ['no', 'on-failure', 'always'] as const;
export const RestartPolicy = z.enum(RESTART_POLICIES);
export type RestartPolicy = z.infer<typeof RestartPolicy>;

export const SessionView = z.object({
  id: z.string(),
  name: z.string(),
  cwd: z.string(),
  agent: AgentKind,
  command: z.array(z.string()),
  restartPolicy: RestartPolicy,
  state: SessionState,
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.string().nullable(),
  pendingApprovals: z.number().int(),
  agentSessionId: z.string().nullable(),
  /** claude: the permission mode (from its init line or the last `rcd mode`); null for generic and until known. */
  permissionMode: z.string().nullable().default(null),
  /** The git worktree rcd made for the session (`rcd start --worktree`): `cwd` is its path. Null otherwise. */
  worktree: z.object({ path: z.string(), branch: z.string(), repo: z.string() }).nullable().default(null),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
});
export type SessionView = z.infer<typeof SessionView>;

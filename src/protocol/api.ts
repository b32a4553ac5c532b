// The control API between the CLI (or any script) and the daemon: HTTP over the unix socket,
// `POST /v1/<verb>` with a JSON body. Both sides parse with these schemas. See docs/control-api.md.
import { z } from 'zod';
import { AgentKind, RestartPolicy, SessionView } from './session.js';
import { nameProblem } from './session-name.js';

/** Bodies above this are refused with 413 before they are parsed: no request legitimately needs more. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export const HEADER_VERSION = 'rcd-version';
export const HEADER_API = 'rcd-api';
/** On a `logs` answer: the session's agent kind, so the client knows how to show the bytes. */
export const HEADER_AGENT = 'rcd-agent';

const SessionRef = z.string().min(1).max(256);

export const LinkInfo = z.object({
  state: z.enum(['off', 'connecting', 'connected', 'backoff']),
  relay: z.string().nullable(),
  reconnects: z.number().int(),
  /** Polls the relay refused as busy (503/429 over its cap) since the daemon started; each is retried alone. */
  pollsRefused: z.number().int().default(0),
  /** Why the link is not connected, when it is not. */
  error: z.string().nullable().default(null),
});

export const DaemonInfo = z.object({
  pid: z.number().int(),
  version: z.string(),
  startedAt: z.string(),
  socket: z.string(),
  home: z.string(),
  wakeCount: z.number().int(),
  lastWakeAt: z.string().nullable(),
  link: LinkInfo,
  /** What agents run under: the compiled wrapper (dist/rcd-agent-wrapper) or the sh one (src/daemon/process/wrapper.ts). */
  agentWrapper: z.enum(['compiled', 'sh']).default('sh'),
  configError: z.string().nullable(),
  /** Things the owner should know about, e.g. a corrupt database that was replaced. */
  warnings: z.array(z.string()).default([]),
});
export type DaemonInfo = z.infer<typeof DaemonInfo>;

const QuestionView = z.object({
  question: z.string(),
  header: z.string(),
  multiSelect: z.boolean(),
  options: z.array(z.object({ label: z.string(), description: z.string() })),
});

/** Claude Code's permission modes (`rcd mode`, `rcd approve --mode`). */
export const PermissionModeArg = z.enum(['default', 'acceptEdits', 'bypassPermissions', 'plan']);

/**
 * What an agent asks (`rcd approvals --json` prints a list of these): may a tool run (`tool`), an AskUserQuestion
 * (`question`, with its questions) or an ExitPlanMode (`plan`, with the plan text when Claude Code gives it).
 */
export const Approval = z.object({
  id: z.string(),
  session: z.string(),
  sessionName: z.string(),
  tool: z.string(),
  kind: z.enum(['tool', 'question', 'plan']).default('tool'),
  input: z.record(z.unknown()),
  questions: z.array(QuestionView).optional(),
  plan: z.string().nullable().optional(),
  /** A question answered: question text -> the answer Claude Code got. */
  answers: z.record(z.string()).optional(),
  state: z.enum(['pending', 'allowed', 'denied', 'expired']),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  /** local, remote, timeout, or rcd (expired because the process that asked is gone or withdrew it). */
  decidedBy: z.enum(['agent', 'local', 'remote', 'timeout', 'rcd']).nullable(),
  message: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

const ApprovalRef = z.string().min(1).max(256);

/** One row of the approval audit trail: a request, or what became of it. */
export const AuditEntry = z.object({
  at: z.string(),
  session: z.string(),
  approval: z.string(),
  tool: z.string(),
  /**
   * tool, question, plan; or mode (`rcd mode`), interrupt (`rcd interrupt`) and start (`rcd remote start`, started
   * or refused; `session` is empty for a refused one), which are not requests.
   */
  kind: z.enum(['tool', 'question', 'plan', 'mode', 'interrupt', 'start']).default('tool'),
  action: z.enum(['requested', 'allowed', 'denied', 'expired', 'mode', 'interrupted', 'started', 'refused']),
  actor: z.enum(['agent', 'local', 'remote', 'timeout', 'rcd']),
  detail: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const requests = {
  status: z.object({ session: SessionRef.optional() }).strict(),
  start: z
    .object({
      cwd: z.string().min(1).max(4096),
      name: z.string().superRefine((n, ctx) => {
        const problem = nameProblem(n);
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      }).optional(),
      agent: AgentKind,
      restart: RestartPolicy.optional(),
      command: z.array(z.string().max(65536)).max(1024),
      env: z.record(z.string()).refine((e) => Object.keys(e).length <= 4096, 'too many environment variables'),
      /** Run in a new git worktree of the repository holding `cwd`, on a new branch (`branch`, default rcd/<name>). */
      worktree: z.boolean().default(false),
      branch: z.string().min(1).max(200).optional(),
    })
    .strict()
    .refine((r) => r.worktree || r.branch === undefined, '--branch goes with --worktree'),
  stop: z.object({ session: SessionRef }).strict(),
  restart: z.object({ session: SessionRef }).strict(),
  send: z.object({ session: SessionRef, text: z.string().max(MAX_REQUEST_BYTES / 2) }).strict(),
  /** `force`: also remove a worktree rcd made that holds uncommitted work. */
  rm: z.object({ session: SessionRef, force: z.boolean().default(false) }).strict(),
  logs: z.object({ session: SessionRef, follow: z.boolean().default(false), from: z.number().int().min(0).default(0) }).strict(),
  shutdown: z.object({}).strict(),
  approvals: z.object({ session: SessionRef.optional(), all: z.boolean().default(false), audit: z.boolean().default(false) }).strict(),
  approve: z
    .object({ session: SessionRef, request: ApprovalRef.optional(), always: z.boolean().default(false), mode: PermissionModeArg.optional() })
    .strict()
    .refine((r) => !(r.always && r.mode), '--always and --mode exclude each other'),
  /** `answers`: [REQUEST] ANSWER... as typed; the daemon tells a REQUEST from an answer (see src/agents/claude/control/pick.ts). */
  answer: z.object({ session: SessionRef, args: z.array(z.string().max(65536)).min(1).max(256) }).strict(),
  mode: z.object({ session: SessionRef, mode: PermissionModeArg }).strict(),
  interrupt: z.object({ session: SessionRef }).strict(),
  deny: z.object({ session: SessionRef, request: ApprovalRef.optional(), message: z.string().min(1).max(4096).optional() }).strict(),
  url: z
    .object({
      /** The session whose URL this is; none with `device`. */
      session: SessionRef.optional(),
      /** The daemon's device URL (every session) instead of one session's. */
      device: z.boolean().default(false),
      rotate: z.boolean().default(false),
      revoke: z.boolean().default(false),
      /** Print the view-only URL (reads, steers nothing) derived from the current one. */
      view: z.boolean().default(false),
      /** Lifetime of a newly issued URL, in seconds; none means it does not expire. */
      expiresIn: z.number().int().min(60).max(10 * 365 * 86400).optional(),
    })
    .strict()
    .refine((r) => !(r.rotate && r.revoke), '--rotate and --revoke exclude each other')
    .refine((r) => (r.session === undefined) === r.device, 'name a SESSION, or pass --device for the device URL (not both)'),
};
export type Verb = keyof typeof requests;
export type RequestOf<V extends Verb> = z.infer<(typeof requests)[V]>;
export const VERBS = Object.keys(requests) as Verb[];

export const responses = {
  status: z.object({ daemon: DaemonInfo, sessions: z.array(SessionView) }),
  start: z.object({ session: SessionView }),
  stop: z.object({ session: SessionView, wasRunning: z.boolean() }),
  restart: z.object({ session: SessionView }),
  send: z.object({ bytes: z.number().int() }),
  rm: z.object({ id: z.string(), name: z.string(), worktree: z.object({ path: z.string(), branch: z.string(), removed: z.boolean() }).optional() }),
  // `logs` answers with the raw output bytes (application/octet-stream), not JSON; header rcd-agent names the agent.
  logs: z.object({}),
  shutdown: z.object({ pid: z.number().int() }),
  approvals: z.object({ approvals: z.array(Approval), audit: z.array(AuditEntry).optional() }),
  approve: z.object({ approval: Approval }),
  deny: z.object({ approval: Approval }),
  answer: z.object({ approval: Approval }),
  mode: z.object({ session: SessionView }),
  interrupt: z.object({ session: SessionView }),
  url: z.object({ url: z.string().nullable(), expiresAt: z.string().nullable(), revoked: z.boolean() }),
} satisfies Record<Verb, z.ZodTypeAny>;
export type ResponseOf<V extends Verb> = z.infer<(typeof responses)[V]>;

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), candidates: z.array(z.string()).optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

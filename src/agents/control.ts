// What an agent kind does inside the daemon, beyond launching (adapter.ts): reading its output lines as they are
// stored, the requests it asks a person (approvals, questions, plans) and their answers, its permission mode and
// interrupting its turn. One instance per kind serves every session of that kind; a kind without any of it
// (generic/control.ts) refuses the commands with a clear reason and does nothing on the hooks. The daemon reaches an
// agent only through this and AgentIo, so a new agent kind is a folder under src/agents plus a line in index.ts and
// controls.ts.
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Approval } from '../protocol/api.js';
import type { Actor, ApprovalRecord, ApprovalStore } from '../store/approvals.js';
import type { EventStore } from '../store/events.js';
import type { SessionRecord } from '../store/sessions.js';
import type { LineHandler } from '../daemon/output/tailer.js';

/** What an agent's control needs from the daemon: its sessions, their running processes and stdin. */
export interface AgentIo {
  get(id: string): SessionRecord | undefined;
  /** Writes bytes to the running agent's stdin (queued behind other writes to it). */
  write(id: string, data: Buffer): Promise<number>;
  isRunning(id: string): boolean;
  /** Records the session's permission mode, which the next run is started with. */
  setMode(id: string, mode: string): void;
}

export interface ControlDeps {
  approvals: ApprovalStore;
  events: EventStore;
  io: AgentIo;
  /** config.json `approvalTimeoutMs` as it is now (it may change while the daemon runs); null: no timeout. */
  timeoutMs: () => number | null;
  log: Logger;
}

/** A new request, or the end of a turn: what webhooks tell a person about (src/daemon/remote/notices.ts). */
export type AgentNews =
  | { type: 'request'; id: string; tool: string; kind: string; input: Record<string, unknown>; text: string }
  | { type: 'turn'; ok: boolean; subtype: string; durationMs: number | null; costUsd: number | null; result: string | null };

export interface ApproveOptions {
  always?: boolean;
  mode?: string;
}

/**
 * Emits 'changed' (sessionId) when a session's requests or mode changed, and 'news' (sessionId, AgentNews) once the
 * lines that bring it are committed.
 */
export interface AgentControl extends EventEmitter {
  /** Runs inside the transaction that stores a run's output lines; undefined: the output is bytes, not lines. */
  lineHandler(sessionId: string, run: number): LineHandler | undefined;
  /** The run is gone (ended, or vanished in a reboot): what it asked can no longer be answered. */
  runEnded(sessionId: string, why: string): void;
  /** A run started by an earlier daemon was taken over. */
  adopted(sessionId: string): void;
  /** Before the signals of a stop: let the agent end its turn (resolves at once for an agent without turns). */
  beforeStop(sessionId: string): Promise<void>;
  /** The session's requests waiting for a person, oldest first. */
  pending(sessionId: string): ApprovalRecord[];
  /** A request as the API shows it (with its questions or plan read from the input). */
  view(a: ApprovalRecord, sessionName: string): Approval;
  /** A request as one readable text: what the remote page shows and what a "what was shown" digest covers. */
  requestText(a: ApprovalRecord): string;
  decide(session: SessionRecord, request: string | undefined, allow: boolean, message: string | undefined, actor: Actor): Promise<ApprovalRecord>;
  approve(session: SessionRecord, request: string | undefined, opts: ApproveOptions, actor: Actor): Promise<ApprovalRecord>;
  answer(session: SessionRecord, args: readonly string[], actor: Actor): Promise<ApprovalRecord>;
  setMode(session: SessionRecord, mode: string, actor: Actor): Promise<void>;
  interrupt(session: SessionRecord, actor: Actor): Promise<void>;
  /** Every session has been recovered: deadlines (approvalTimeoutMs) may be enforced from now on. */
  start(): void;
  /** config.json changed. */
  configChanged(): void;
  close(): void;
}

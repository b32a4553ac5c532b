// What every request handler may use. Handlers get this, never the whole daemon.
import type { Logger } from 'pino';
import type { ServerResponse } from 'node:http';
import type { DaemonInfo, RequestOf, ResponseOf, Verb } from '../../protocol/api.js';
import type { EventStore } from '../../store/events.js';
import type { Supervisor } from '../sessions/supervisor.js';
import type { Tailer } from '../output/tailer.js';
import type { RemoteAccess } from '../remote/remote-access.js';
import type { ApprovalStore } from '../../store/approvals.js';
import type { AgentControls } from '../../agents/controls.js';

export interface HandlerContext {
  supervisor: Supervisor;
  events: EventStore;
  tailer: Tailer;
  log: Logger;
  /** Session URLs; null when no relay is configured. */
  remote: RemoteAccess | null;
  approvals: ApprovalStore;
  /** Every agent kind's control: requests, answers, modes, interrupts (src/agents/control.ts). */
  controls: AgentControls;
  daemonInfo(): DaemonInfo;
  newSessionId(): string;
  /** RCD_HOME: where rcd keeps its state (and the worktrees it makes). */
  home: string;
  shutdown(reason: string): void;
}

/** Returned by a handler that wrote its own (streamed) response. */
export const STREAMED = Symbol('streamed');

export type Handler<V extends Verb> = (
  req: RequestOf<V>,
  ctx: HandlerContext,
  res: ServerResponse,
) => Promise<ResponseOf<V> | typeof STREAMED> | ResponseOf<V> | typeof STREAMED;

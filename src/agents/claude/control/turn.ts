// rcd's own requests to a running Claude Code: interrupt the turn (`rcd interrupt`, and before a stop's signals) and
// switch the permission mode (`rcd mode`). Each is a control_request on stdin whose answer comes back as an output
// line (see waiters.ts); both are recorded in the audit trail with who asked.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { interruptRequest, setPermissionModeRequest, type PermissionMode } from '../protocol.js';
import { RcdError } from '../../../common/errors.js';
import type { Actor, ApprovalStore } from '../../../store/approvals.js';
import type { EventStore } from '../../../store/events.js';
import type { SessionRecord } from '../../../store/sessions.js';
import type { ControlWaiters } from './waiters.js';
import type { AgentIo } from '../../control.js';


// How long `rcd stop` lets Claude Code end its turn after an interrupt before signals follow.
const STOP_INTERRUPT_WAIT_MS = 2_000;
// How long `rcd interrupt` and `rcd mode` wait for Claude Code's answer (it answers in milliseconds when it reads its
// input; one that does not is busy or stuck, and the person is told so rather than kept waiting).
const ANSWER_WAIT_MS = 5_000;

export class ClaudeTurn {
  constructor(
    private readonly io: AgentIo,
    private readonly waiters: ControlWaiters,
    private readonly approvals: ApprovalStore,
    private readonly events: EventStore,
    private readonly log: Logger,
    private readonly changed: (sessionId: string) => void,
  ) {}

  /**
   * Before a stop: asks the agent to end its running turn and waits (briefly) for its answer or a turn result. An
   * idle agent answers at once; one that does not answer only delays the signals that follow.
   */
  async beforeStop(sessionId: string): Promise<void> {
    const id = `rcd-interrupt-${randomUUID()}`;
    const done = this.waiters.waitFor(sessionId, (a) => a.id === id || a.id === 'result', STOP_INTERRUPT_WAIT_MS);
    // The write is raced too: an agent that reads no input would otherwise hold the stop up for the write timeout.
    let unwritable = false;
    const writing = this.io.write(sessionId, interruptRequest(id)).catch(() => {
      unwritable = true; // not reading its input any more: the signals will do
    });
    await Promise.race([done, writing.then(() => (unwritable ? undefined : done))]);
  }

  /**
   * `rcd interrupt`: ends the running turn; the process keeps running and takes the next prompt. A pending request
   * is withdrawn by Claude Code (control_cancel_request), which expires it. Idle, it is a no-op Claude Code confirms.
   */
  async interrupt(session: SessionRecord, actor: Actor): Promise<void> {
    const id = `rcd-interrupt-${randomUUID()}`;
    await this.ask(session, id, interruptRequest(id), 'interrupt');
    this.approvals.recordAction({ at: new Date().toISOString(), sessionId: session.id, id, kind: 'interrupt', action: 'interrupted', actor, detail: null });
    this.log.info({ session: session.id, by: actor }, 'turn interrupted');
  }

  /** `rcd mode`: switches the running session's permission mode and keeps it for the runs that follow. */
  async setMode(session: SessionRecord, mode: PermissionMode, actor: Actor): Promise<void> {
    const id = `rcd-mode-${randomUUID()}`;
    await this.ask(session, id, setPermissionModeRequest(id, mode), 'mode switch');
    // Only once Claude Code confirmed it: a mode it refused must not be given to the next run either.
    this.io.setMode(session.id, mode);
    this.events.appendState(session.id, { permissionMode: mode, by: actor });
    this.approvals.recordAction({ at: new Date().toISOString(), sessionId: session.id, id, kind: 'mode', action: 'mode', actor, detail: mode });
    this.log.info({ session: session.id, mode, by: actor }, 'permission mode switched');
    this.changed(session.id);
  }

  /** Writes a control request and waits for its answer: an error or no answer (within the bound) is an RcdError. */
  private async ask(session: SessionRecord, id: string, bytes: Buffer, what: string): Promise<void> {
    if (!this.io.isRunning(session.id)) {
      throw new RcdError('NOT_RUNNING', `session ${session.name} is ${this.io.get(session.id)?.state ?? session.state}: no Claude Code process to send the ${what} to`);
    }
    const answered = this.waiters.waitFor(session.id, (a) => a.id === id, ANSWER_WAIT_MS);
    try {
      await this.io.write(session.id, bytes);
    } catch (err) {
      throw new RcdError('NOT_RUNNING', `could not write the ${what} to session ${session.name}: ${(err as Error).message}`);
    }
    const answer = await answered;
    if (!answer) throw new RcdError('CONFLICT', `Claude Code in session ${session.name} did not answer the ${what} within ${ANSWER_WAIT_MS / 1000} s`);
    if (answer.subtype !== 'success') throw new RcdError('CONFLICT', `Claude Code in session ${session.name} refused the ${what}: ${answer.error ?? answer.subtype ?? 'no reason given'}`);
  }
}

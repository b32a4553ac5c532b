// The daemon's side of Claude Code's control protocol: turns `can_use_tool` requests into pending approvals (in the
// transaction that stores the line), writes decisions back to the agent, expires what a dead process can no longer
// receive, denies on the configured timeout, and interrupts a running turn before a stop.
//
// Delivery is at-least-once and the agent makes it exactly-once: a decision is committed first (delivered = 0), then
// written to the agent's stdin, then marked delivered; a daemon that dies in between re-sends it on re-adoption, and
// Claude Code ignores an answer to a request it no longer has.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { parseLine, permissionResponse, interruptRequest } from '../agents/claude/protocol.js';
import { RcdError } from '../common/errors.js';
import type { Approval } from '../protocol/api.js';
import type { ApprovalRecord, ApprovalStore, Actor } from '../store/approvals.js';
import type { EventStore } from '../store/events.js';
import type { SessionRecord } from '../store/sessions.js';
import type { LineHandler } from './tailer.js';

export const DEFAULT_DENY_MESSAGE = 'Denied by the user via rcd';
// How long `rcd stop` lets Claude Code end its turn after an interrupt before signals follow.
const INTERRUPT_WAIT_MS = 2_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
// An overdue approval whose process is not reachable right now (its exit is being handled) is looked at again after this.
const UNREACHABLE_RETRY_MS = 1_000;

/** What this module needs from the supervisor. */
export interface AgentIo {
  get(id: string): SessionRecord | undefined;
  /** Writes bytes to the running agent's stdin (queued behind other writes to it). */
  write(id: string, data: Buffer): Promise<number>;
  isRunning(id: string): boolean;
}

export class ClaudeControl extends EventEmitter {
  private readonly waiters = new Map<string, Set<(what: 'result' | string) => void>>();
  private timer: NodeJS.Timeout | null = null;
  // No timeout is enforced until the daemon has recovered every session: a request whose process is not adopted yet
  // would otherwise be denied into the void (and expired) while that process still waits for an answer.
  private timing = false;

  constructor(
    private readonly approvals: ApprovalStore,
    private readonly events: EventStore,
    private readonly io: AgentIo,
    private readonly timeoutMs: () => number | null,
    private readonly log: Logger,
  ) {
    super();
  }

  /** The line handler for one run of a claude session; it runs inside the transaction that stores the lines. */
  lineHandler(sessionId: string, run: number): LineHandler {
    return (data) => {
      const text = data.toString('utf8');
      let changed = false;
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        const line = parseLine(raw);
        switch (line.kind) {
          case 'permission': {
            const at = new Date().toISOString();
            const fresh = this.approvals.request({ sessionId, id: line.requestId, run, tool: line.request.tool_name, input: line.request.input, at });
            if (fresh) {
              this.events.appendState(sessionId, { approval: { id: line.requestId, tool: line.request.tool_name, state: 'pending' } });
              changed = true;
            }
            break;
          }
          case 'control_cancel':
            changed = this.finish(sessionId, line.requestId, 'expired', 'rcd', 'the agent withdrew the request') || changed;
            break;
          case 'control_response':
            this.notify(sessionId, line.requestId);
            break;
          case 'result':
            this.notify(sessionId, 'result');
            break;
          default:
            break;
        }
      }
      // Listeners (status mirrors, the relay link) run after the transaction commits.
      if (changed) setImmediate(() => this.changed(sessionId));
    };
  }

  /** Answers a pending approval of a session: REQUEST is an id or a unique prefix of one; none means the oldest. */
  async decide(session: SessionRecord, request: string | undefined, allow: boolean, message: string | undefined, actor: Actor): Promise<ApprovalRecord> {
    const target = this.pick(session, request);
    if (!this.reachable(target)) {
      // Its process is ending (a stop, a crash not yet seen): an answer would go nowhere, so say so.
      if (this.finish(session.id, target.id, 'expired', 'rcd', 'the process that asked is no longer running')) this.changed(session.id);
      throw new RcdError('NOT_RUNNING', `the Claude Code process that asked for approval ${target.id.slice(0, 8)} is no longer running; the request expired`);
    }
    const finalMessage = allow ? null : message || DEFAULT_DENY_MESSAGE;
    if (!this.finish(session.id, target.id, allow ? 'allowed' : 'denied', actor, finalMessage)) {
      const now = this.approvals.get(session.id, target.id);
      throw new RcdError('CONFLICT', `approval ${target.id} of session ${session.name} was ${now?.state ?? 'removed'} meanwhile`);
    }
    this.changed(session.id);
    // Fault injection for the test of the one window that needs re-delivery: decided and committed, not yet written.
    if (process.env.RCD_FAULT === 'crash-after-decide') process.kill(process.pid, 'SIGKILL');
    const decided = this.approvals.get(session.id, target.id) as ApprovalRecord;
    if (!(await this.deliver(decided))) {
      throw new RcdError('NOT_RUNNING', `the Claude Code process ended before the answer reached it; approval ${target.id.slice(0, 8)} expired`);
    }
    return this.approvals.get(session.id, target.id) as ApprovalRecord;
  }

  /** The run that asked is gone: nothing can answer its requests any more. */
  expireRun(sessionId: string, why: string): void {
    let n = 0;
    for (const a of this.approvals.pending(sessionId)) if (this.finish(sessionId, a.id, 'expired', 'rcd', why)) n++;
    // Decided, but the answer never reached that process: it did not get it, whatever was decided.
    for (const a of this.approvals.undelivered(sessionId)) if (this.approvals.expireUndelivered(sessionId, a.id, why, new Date().toISOString())) n++;
    if (n > 0) {
      this.log.info({ session: sessionId, expired: n }, 'pending approvals expired');
      this.changed(sessionId);
    }
  }

  /** A re-adopted agent may be missing answers the previous daemon decided but did not get to write. */
  redeliver(sessionId: string): void {
    for (const a of this.approvals.undelivered(sessionId)) void this.deliver(a);
    this.reschedule();
  }

  /** Pending approvals of a session, oldest first. */
  pending(sessionId: string): ApprovalRecord[] {
    return this.approvals.pending(sessionId);
  }

  pendingCount(sessionId: string): number {
    return this.approvals.pending(sessionId).length;
  }

  /**
   * Asks the agent to end its running turn and waits (briefly) until it has: its answer to the interrupt or a
   * turn result. An idle agent answers at once; one that does not answer only delays the signals that follow.
   */
  async interrupt(sessionId: string): Promise<void> {
    const id = `rcd-interrupt-${randomUUID()}`;
    const done = this.waitFor(sessionId, (what) => what === id || what === 'result', INTERRUPT_WAIT_MS);
    // The write is raced too: an agent that reads no input would otherwise hold the stop up for the write timeout.
    let unwritable = false;
    const writing = this.io.write(sessionId, interruptRequest(id)).catch(() => {
      unwritable = true; // not reading its input any more: the signals will do
    });
    await Promise.race([done, writing.then(() => (unwritable ? undefined : done))]);
  }

  /** Starts enforcing `approvalTimeoutMs`: call once every session has been recovered (adopted or restored). */
  startTimeouts(): void {
    this.timing = true;
    this.reschedule();
  }

  close(): void {
    this.timing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Reschedules the timeout check for the oldest pending approval (call when the config changes, too). */
  reschedule(notBeforeMs = 0): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const timeout = this.timeoutMs();
    if (!timeout || !this.timing) return;
    const oldest = this.approvals.pending()[0];
    if (!oldest) return;
    const due = Date.parse(oldest.createdAt) + timeout - Date.now();
    // setTimeout fires at once past 2^31-1 ms (~24.8 days); a far deadline is checked again then instead.
    this.timer = setTimeout(() => this.expireOverdue(), Math.min(Math.max(notBeforeMs, due), MAX_TIMER_MS));
    this.timer.unref();
  }

  private expireOverdue(): void {
    this.timer = null;
    const timeout = this.timeoutMs(); // the setting now, not when the timer was set: it may have been changed or removed
    if (!timeout || !this.timing) return;
    const cutoff = Date.now() - timeout;
    let waiting = false;
    for (const a of this.approvals.pending()) {
      if (Date.parse(a.createdAt) > cutoff) continue;
      // Not reachable now: its process is ending (its run's end expires it) or not adopted yet. A denial now could
      // not be delivered, so it is left pending and looked at again shortly.
      if (!this.reachable(a)) {
        waiting = true;
        continue;
      }
      const within = timeout < 1000 ? `${timeout} ms` : `${Math.round(timeout / 1000)} s`;
      const message = `No answer within ${within}; denied by rcd (approvalTimeoutMs)`;
      if (!this.finish(a.sessionId, a.id, 'denied', 'timeout', message)) continue;
      this.emit('changed', a.sessionId);
      void this.deliver(this.approvals.get(a.sessionId, a.id) as ApprovalRecord);
    }
    this.reschedule(waiting ? UNREACHABLE_RETRY_MS : 0);
  }

  /** Whether the process that asked is the one running now, able to read an answer. */
  private reachable(a: ApprovalRecord): boolean {
    const s = this.io.get(a.sessionId);
    return s !== undefined && s.run === a.run && this.io.isRunning(a.sessionId);
  }

  private pick(session: SessionRecord, request: string | undefined): ApprovalRecord {
    const pending = this.approvals.pending(session.id);
    if (request === undefined) {
      const oldest = pending[0];
      if (!oldest) throw new RcdError('NOT_FOUND', `nothing is waiting for approval in session ${session.name}`);
      return oldest;
    }
    const all = this.approvals.all(session.id);
    const exact = all.find((a) => a.id === request);
    const matches = exact ? [exact] : all.filter((a) => a.id.startsWith(request));
    if (matches.length > 1) throw new RcdError('AMBIGUOUS', `${request} matches ${matches.length} approvals of session ${session.name}; give more of the id`);
    const found = matches[0];
    if (!found) throw new RcdError('NOT_FOUND', `session ${session.name} has no approval ${request}; see \`rcd approvals ${session.name}\``);
    if (found.state !== 'pending') throw new RcdError('CONFLICT', `approval ${found.id} is already ${found.state}${found.decidedBy ? ` (by ${found.decidedBy})` : ''}`);
    return found;
  }

  private finish(sessionId: string, id: string, state: 'allowed' | 'denied' | 'expired', actor: Actor, message: string | null): boolean {
    const ok = this.approvals.decide(sessionId, id, state, actor, message, new Date().toISOString());
    if (ok) this.events.appendState(sessionId, { approval: { id, state, by: actor, ...(message ? { message } : {}) } });
    return ok;
  }

  /** Writes a decision to the agent; false (and the approval expired) when it cannot reach the process that asked. */
  private async deliver(a: ApprovalRecord): Promise<boolean> {
    if (a.state !== 'allowed' && a.state !== 'denied') return false;
    const undeliverable = (reason: string) => {
      if (this.approvals.expireUndelivered(a.sessionId, a.id, reason, new Date().toISOString())) this.changed(a.sessionId);
      return false;
    };
    if (!this.reachable(a)) return undeliverable('the process that asked ended before the answer reached it');
    const bytes = a.state === 'allowed'
      ? permissionResponse(a.id, { allow: true, input: a.input })
      : permissionResponse(a.id, { allow: false, message: a.message ?? DEFAULT_DENY_MESSAGE });
    try {
      await this.io.write(a.sessionId, bytes);
      this.approvals.markDelivered(a.sessionId, a.id);
      this.log.info({ session: a.sessionId, approval: a.id, tool: a.tool, decision: a.state, by: a.decidedBy }, 'approval answered');
      return true;
    } catch (err) {
      this.log.warn({ session: a.sessionId, approval: a.id, error: (err as Error).message }, 'could not deliver an approval decision');
      return undeliverable(`the answer could not be written to the process: ${(err as Error).message}`);
    }
  }

  private changed(sessionId: string): void {
    this.reschedule();
    this.emit('changed', sessionId);
  }

  private notify(sessionId: string, what: string): void {
    for (const w of this.waiters.get(sessionId) ?? []) w(what);
  }

  private waitFor(sessionId: string, match: (what: string) => boolean, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(sessionId) ?? new Set();
      this.waiters.set(sessionId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(waiter);
        if (set.size === 0) this.waiters.delete(sessionId);
        resolve();
      };
      const waiter = (what: string) => {
        if (match(what)) done();
      };
      const timer = setTimeout(done, ms);
      set.add(waiter);
    });
  }
}

/** The API's view of an approval record. */
export function approvalView(a: ApprovalRecord, sessionName: string): Approval {
  return {
    id: a.id, session: a.sessionId, sessionName, tool: a.tool, input: a.input, state: a.state, createdAt: a.createdAt,
    decidedAt: a.decidedAt, decidedBy: a.decidedBy, message: a.message,
  };
}

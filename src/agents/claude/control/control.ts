// Claude Code's AgentControl (src/agents/control.ts): the daemon's side of its control protocol: turns `can_use_tool` requests into pending approvals (in the
// transaction that stores the line), writes decisions back to the agent, expires what a dead process can no longer
// receive, and denies on the configured timeout. What an answer carries per kind of request is answers.ts's;
// rcd's own requests (interrupt, mode) are turn.ts's.
//
// Delivery is at-least-once and the agent makes it exactly-once: a decision is committed first (delivered = 0), then
// written to the agent's stdin, then marked delivered; a daemon that dies in between re-sends it on re-adoption, and
// Claude Code ignores an answer to a request it no longer has.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { parseLine, permissionResponse, PERMISSION_MODES, type PermissionMode } from '../protocol.js';
import { requestText } from '../render-text.js';
import { RcdError } from '../../../common/errors.js';
import type { Approval } from '../../../protocol/api.js';
import type { AllowAnswer, ApprovalRecord, ApprovalStore, Actor } from '../../../store/approvals.js';
import type { EventStore } from '../../../store/events.js';
import type { SessionRecord } from '../../../store/sessions.js';
import type { LineHandler } from '../../../daemon/output/tailer.js';
import type { AgentControl, AgentIo, AgentNews, ApproveOptions, ControlDeps } from '../../control.js';
import { ControlWaiters } from './waiters.js';
import { ApprovalTimeouts } from './timeouts.js';
import { ClaudeTurn } from './turn.js';
import { pickRequest, answerArgs, type Target } from './pick.js';
import { DEFAULT_DENY_MESSAGE, answerDecision, approvalView, approveDecision, denyDecision, kindOf, type Decision } from './answers.js';

export { DEFAULT_DENY_MESSAGE } from './answers.js';


/** A mode named by a caller, as Claude Code knows it (the API checked it already; a usage error otherwise). */
function claudeMode(mode: string): PermissionMode {
  if (!(PERMISSION_MODES as readonly string[]).includes(mode)) throw new RcdError('USAGE', `unknown permission mode ${mode}; use one of ${PERMISSION_MODES.join(', ')}`);
  return mode as PermissionMode;
}

export class ClaudeControl extends EventEmitter implements AgentControl {
  private readonly waiters = new ControlWaiters();
  readonly turn: ClaudeTurn;
  private readonly timeouts: ApprovalTimeouts;

  private readonly approvals: ApprovalStore;
  private readonly events: EventStore;
  private readonly io: AgentIo;
  private readonly timeoutMs: () => number | null;
  private readonly log: Logger;

  constructor(d: ControlDeps) {
    super();
    ({ approvals: this.approvals, events: this.events, io: this.io, timeoutMs: this.timeoutMs, log: this.log } = d);
    this.turn = new ClaudeTurn(this.io, this.waiters, this.approvals, this.events, this.log, (id) => this.changed(id));
    this.timeouts = new ApprovalTimeouts(this.approvals, this.timeoutMs, (a) => this.reachable(a), (a, m) => this.timedOut(a, m));
  }

  /** The line handler for one run of a claude session; it runs inside the transaction that stores the lines. */
  lineHandler(sessionId: string, run: number): LineHandler {
    return (data) => {
      const text = data.toString('utf8');
      let changed = false;
      // What a person may want to hear of (webhooks, src/daemon/remote/notify.ts): said once the lines are committed.
      const news: AgentNews[] = [];
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        const line = parseLine(raw);
        switch (line.kind) {
          case 'system': {
            // The mode it runs in, as Claude Code says at each turn (init) and when it changes (status, e.g. a plan
            // accepted): shown by status, given again to the next run.
            const mode = line.line.subtype === 'init' || line.line.subtype === 'status' ? line.line.permissionMode : undefined;
            if (mode && this.io.get(sessionId)?.permissionMode !== mode) {
              this.io.setMode(sessionId, mode);
              changed = true;
            }
            break;
          }
          case 'permission': {
            const at = new Date().toISOString();
            const { tool_name: tool, input, permission_suggestions: suggestions } = line.request;
            const kind = kindOf(tool);
            const fresh = this.approvals.request({ sessionId, id: line.requestId, run, tool, kind, input, suggestions: suggestions ?? null, at });
            if (fresh) {
              this.events.appendState(sessionId, { approval: { id: line.requestId, tool, kind, state: 'pending' } });
              changed = true;
              news.push({ type: 'request', id: line.requestId, tool, kind, input, text: requestText(tool, input) });
            }
            break;
          }
          case 'control_cancel':
            changed = this.finish(sessionId, line.requestId, 'expired', 'rcd', 'the agent withdrew the request') || changed;
            break;
          case 'control_response':
            this.waiters.notify(sessionId, { id: line.requestId, subtype: line.subtype, error: line.error });
            break;
          case 'result':
            this.waiters.notify(sessionId, { id: 'result' });
            news.push({
              type: 'turn', ok: line.line.is_error !== true && line.line.subtype === 'success', subtype: line.line.subtype,
              durationMs: line.line.duration_ms ?? null, costUsd: line.line.total_cost_usd ?? null, result: line.line.result ?? null,
            });
            break;
          default:
            break;
        }
      }
      // Listeners (status mirrors, the relay link) run after the transaction commits.
      if (changed) setImmediate(() => this.changed(sessionId));
      if (news.length > 0) setImmediate(() => { for (const n of news) this.emit('news', sessionId, n); });
    };
  }

  /**
   * Allows or denies a pending request of a session: REQUEST is an id or a unique prefix of one; none means the oldest.
   * (The relay's instructions come this way; a question is refused here: it needs `answer`.)
   */
  decide(session: SessionRecord, request: string | undefined, allow: boolean, message: string | undefined, actor: Actor): Promise<ApprovalRecord> {
    return this.settle(session, { request }, actor, (a) => (allow ? approveDecision(a, {}, session.name) : denyDecision(message)));
  }

  /** `rcd approve [--always] [--mode M]`. */
  approve(session: SessionRecord, request: string | undefined, opts: ApproveOptions, actor: Actor): Promise<ApprovalRecord> {
    const mode = opts.mode === undefined ? undefined : claudeMode(opts.mode);
    return this.settle(session, { request }, actor, (a) => approveDecision(a, { always: opts.always, mode }, session.name));
  }

  setMode(session: SessionRecord, mode: string, actor: Actor): Promise<void> {
    return this.turn.setMode(session, claudeMode(mode), actor);
  }

  interrupt(session: SessionRecord, actor: Actor): Promise<void> {
    return this.turn.interrupt(session, actor);
  }

  view(a: ApprovalRecord, sessionName: string): Approval {
    return approvalView(a, sessionName);
  }

  requestText(a: ApprovalRecord): string {
    return requestText(a.tool, a.input);
  }

  /** `rcd answer SESSION [REQUEST] ANSWER...`: a question request answered, one ANSWER per question. */
  answer(session: SessionRecord, args: readonly string[], actor: Actor): Promise<ApprovalRecord> {
    const { request, answers } = answerArgs(this.approvals.all(session.id), args);
    return this.settle(session, { request, filter: (a) => a.kind === 'question', what: 'question' }, actor, (a) => answerDecision(a, answers));
  }

  /**
   * Decides the request `target` names with what `decision` makes of it (it throws for an answer that does not fit
   * the request, which then stays pending), commits that, and writes it to the agent.
   */
  async settle(session: SessionRecord, target: Target, actor: Actor, decision: (a: ApprovalRecord) => Decision): Promise<ApprovalRecord> {
    const picked = pickRequest(this.approvals.all(session.id), session.name, target);
    const d = decision(picked);
    if (!this.reachable(picked)) {
      // Its process is ending (a stop, a crash not yet seen): an answer would go nowhere, so say so.
      if (this.finish(session.id, picked.id, 'expired', 'rcd', 'the process that asked is no longer running')) this.changed(session.id);
      throw new RcdError('NOT_RUNNING', `the Claude Code process that asked for approval ${picked.id.slice(0, 8)} is no longer running; the request expired`);
    }
    const ok = d.allow
      ? this.finish(session.id, picked.id, 'allowed', actor, null, d.answer, d.detail)
      : this.finish(session.id, picked.id, 'denied', actor, d.message);
    if (!ok) {
      const now = this.approvals.get(session.id, picked.id);
      throw new RcdError('CONFLICT', `approval ${picked.id} of session ${session.name} was ${now?.state ?? 'removed'} meanwhile`);
    }
    this.changed(session.id);
    // Fault injection for the test of the one window that needs re-delivery: decided and committed, not yet written.
    if (process.env.RCD_FAULT === 'crash-after-decide') process.kill(process.pid, 'SIGKILL');
    const decided = this.approvals.get(session.id, picked.id) as ApprovalRecord;
    if (!(await this.deliver(decided))) {
      throw new RcdError('NOT_RUNNING', `the Claude Code process ended before the answer reached it; approval ${picked.id.slice(0, 8)} expired`);
    }
    return this.approvals.get(session.id, picked.id) as ApprovalRecord;
  }

  /** The run that asked is gone: nothing can answer its requests any more. */
  runEnded(sessionId: string, why: string): void {
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
  adopted(sessionId: string): void {
    for (const a of this.approvals.undelivered(sessionId)) void this.deliver(a);
    this.reschedule();
  }

  /** Pending approvals of a session, oldest first. */
  pending(sessionId: string): ApprovalRecord[] {
    return this.approvals.pending(sessionId);
  }

  /** Before the signals of a stop: let the agent end its turn (turn.ts). */
  beforeStop(sessionId: string): Promise<void> {
    return this.turn.beforeStop(sessionId);
  }

  /** Starts enforcing `approvalTimeoutMs`: call once every session has been recovered (adopted or restored). */
  start(): void {
    this.timeouts.start();
  }

  close(): void {
    this.timeouts.close();
  }

  configChanged(): void {
    this.reschedule(); // approvalTimeoutMs may have changed
  }

  private reschedule(): void {
    this.timeouts.reschedule();
  }

  /** approvalTimeoutMs ran out for a request its process can still receive: deny it, and tell the agent. */
  private timedOut(a: ApprovalRecord, message: string): void {
    if (!this.finish(a.sessionId, a.id, 'denied', 'timeout', message)) return;
    this.emit('changed', a.sessionId);
    void this.deliver(this.approvals.get(a.sessionId, a.id) as ApprovalRecord);
  }

  /** Whether the process that asked is the one running now, able to read an answer. */
  private reachable(a: ApprovalRecord): boolean {
    const s = this.io.get(a.sessionId);
    return s !== undefined && s.run === a.run && this.io.isRunning(a.sessionId);
  }

  private finish(
    sessionId: string, id: string, state: 'allowed' | 'denied' | 'expired', actor: Actor, message: string | null,
    answer: AllowAnswer | null = null, detail: string | null = null,
  ): boolean {
    const ok = this.approvals.decide(sessionId, id, state, actor, message, new Date().toISOString(), answer, detail);
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
    // An allow carries what was committed with it (answers, rules, a mode), so a re-sent one says the same.
    const bytes = a.state === 'allowed'
      ? permissionResponse(a.id, { allow: true, input: a.answer?.updatedInput ?? a.input, updatedPermissions: a.answer?.updatedPermissions })
      : permissionResponse(a.id, { allow: false, message: a.message ?? DEFAULT_DENY_MESSAGE });
    try {
      await this.io.write(a.sessionId, bytes);
      this.approvals.markDelivered(a.sessionId, a.id);
      // A plan accepted with a mode: the session now runs in it (and its next run starts in it).
      const mode = a.answer?.updatedPermissions?.find((u) => u.type === 'setMode' && u.destination === 'session')?.mode;
      if (typeof mode === 'string') {
        this.io.setMode(a.sessionId, mode);
        this.changed(a.sessionId);
      }
      this.log.info({ session: a.sessionId, approval: a.id, tool: a.tool, kind: a.kind, decision: a.state, by: a.decidedBy }, 'approval answered');
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
}

// config.json `approvalTimeoutMs`: one timer for every pending request of every claude session, set for the oldest;
// when it runs out, a request whose process can still receive the answer is denied (by ClaudeControl), one whose
// process cannot (ending, or not re-adopted yet) is looked at again shortly.
import type { ApprovalRecord, ApprovalStore } from '../../../store/approvals.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
// An overdue approval whose process is not reachable right now (its exit is being handled) is looked at again after this.
const UNREACHABLE_RETRY_MS = 1_000;

export class ApprovalTimeouts {
  private timer: NodeJS.Timeout | null = null;
  // No timeout is enforced until the daemon has recovered every session: a request whose process is not adopted yet
  // would otherwise be denied into the void (and expired) while that process still waits for an answer.
  private timing = false;

  constructor(
    private readonly approvals: ApprovalStore,
    private readonly timeoutMs: () => number | null,
    private readonly reachable: (a: ApprovalRecord) => boolean,
    private readonly deny: (a: ApprovalRecord, message: string) => void,
  ) {}

  start(): void {
    this.timing = true;
    this.reschedule();
  }

  close(): void {
    this.timing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sets the timer for the oldest pending request (call after any change to the requests or the setting). */
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
      this.deny(a, `No answer within ${within}; denied by rcd (approvalTimeoutMs)`);
    }
    this.reschedule(waiting ? UNREACHABLE_RETRY_MS : 0);
  }
}

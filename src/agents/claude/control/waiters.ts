// Waiting for what Claude Code answers to rcd's own control requests (interrupt, set_permission_mode) and for the end
// of a turn. The answers arrive as output lines, so the line handler reports each one here and a waiter takes the one
// it asked for; a waiter that hears nothing gives up after its time (the caller says what that means).

/** A `control_response` to one of rcd's requests, or `result`: a turn ended. */
export interface ControlAnswer {
  id: string;
  subtype?: string;
  error?: string;
}

export class ControlWaiters {
  private readonly waiters = new Map<string, Set<(answer: ControlAnswer) => void>>();

  notify(sessionId: string, answer: ControlAnswer): void {
    for (const w of this.waiters.get(sessionId) ?? []) w(answer);
  }

  /** The first answer `match` accepts, or null after `ms`. */
  waitFor(sessionId: string, match: (answer: ControlAnswer) => boolean, ms: number): Promise<ControlAnswer | null> {
    return new Promise((resolve) => {
      const set = this.waiters.get(sessionId) ?? new Set();
      this.waiters.set(sessionId, set);
      const done = (answer: ControlAnswer | null) => {
        clearTimeout(timer);
        set.delete(waiter);
        if (set.size === 0) this.waiters.delete(sessionId);
        resolve(answer);
      };
      const waiter = (answer: ControlAnswer) => {
        if (match(answer)) done(answer);
      };
      const timer = setTimeout(() => done(null), ms);
      set.add(waiter);
    });
  }
}

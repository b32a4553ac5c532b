// `rcd url` waits until the relay has a session's new access (a rotated or revoked URL) before it answers. This
// keeps those waits: each re-checks when the link pushed a session, and ends at once when the relay refused that
// session (a limit, a retired URL), because waiting longer would not help.
export class AccessWaits {
  private waiters: (() => void)[] = [];
  /** Why the relay refused a session's last update: what the waiting `rcd url` is told. */
  private readonly refused = new Map<string, string>();

  /** Resolves once `synced()` holds; rejects after `timeoutMs` (with `timeoutError()`) or at a refusal (`refused: true`). */
  wait(sessionId: string, synced: () => boolean, timeoutMs: number, timeoutError: () => string): Promise<void> {
    this.refused.delete(sessionId);
    return new Promise((resolve, reject) => {
      if (synced()) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(timeoutError()));
      }, timeoutMs);
      const waiter = () => {
        const refusal = this.refused.get(sessionId);
        if (!synced() && refusal === undefined) return;
        done();
        if (refusal === undefined) resolve();
        else reject(Object.assign(new Error(refusal), { refused: true }));
      };
      this.waiters.push(waiter);
    });
  }

  /** The relay took the session's update. */
  accepted(sessionId: string): void {
    this.refused.delete(sessionId);
    this.check();
  }

  /** The relay refused the session's update, saying why. */
  refuse(sessionId: string, why: string): void {
    this.refused.set(sessionId, why);
    this.check();
  }

  private check(): void {
    for (const w of [...this.waiters]) w();
  }
}

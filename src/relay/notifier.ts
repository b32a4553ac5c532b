// In-process wake-ups for long-polls: a held request waits on keys ("daemon:<id>" for instructions, "session:<id>"
// for events and session changes) and is woken the moment a writer notifies one, with no polling. It also caps
// how many requests are held at once.
export type WaitOutcome = 'notified' | 'timeout' | 'aborted' | 'closed';

export const daemonKey = (daemonId: string): string => `daemon:${daemonId}`;
export const sessionKey = (sessionId: string): string => `session:${sessionId}`;
/** Clients waiting for the results of instructions to a daemon itself (a remote start). */
export const resultsKey = (daemonId: string): string => `results:${daemonId}`;

/** How many requests one kind of caller may have held: per key, and in total less a share kept for others. */
export interface HoldLimits {
  perKey: number;
  /** Slots of the total this kind of request may not take (so followers cannot starve daemons' polls). */
  keepFree: number;
  /** Said in the 503 when the total is what refuses it (why this caller gets less than all of it). */
  share?: string;
}

export class Notifier {
  private readonly waiters = new Map<string, Set<(o: WaitOutcome) => void>>();
  private readonly heldByKey = new Map<string, number>();
  private held = 0;
  private closed = false;

  constructor(readonly maxHeld: number) {}

  /** Requests held right now. */
  get holding(): number {
    return this.held;
  }

  /**
   * Whether another request may be held on `key` (the caller answers 503 when not): 'total' when the relay holds
   * its share of requests already, 'key' when this key has its share.
   */
  room(key: string, limits: HoldLimits): 'ok' | 'total' | 'key' {
    if (this.held >= this.maxHeld - limits.keepFree) return 'total';
    if ((this.heldByKey.get(key) ?? 0) >= limits.perKey) return 'key';
    return 'ok';
  }

  /**
   * Resolves when one of `keys` is notified, `ms` pass, `signal` aborts (the client went away) or the relay
   * closes. Callers check `room()` first; a wait past the limits still works but is counted.
   */
  wait(keys: readonly string[], ms: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.closed) return Promise.resolve('closed');
    if (signal?.aborted) return Promise.resolve('aborted');
    const first = keys[0] as string; // counted against its first key
    return new Promise((resolve) => {
      this.held++;
      this.heldByKey.set(first, (this.heldByKey.get(first) ?? 0) + 1);
      let done = false;
      const finish = (outcome: WaitOutcome) => {
        if (done) return;
        done = true;
        this.held--;
        const n = (this.heldByKey.get(first) ?? 1) - 1;
        if (n > 0) this.heldByKey.set(first, n);
        else this.heldByKey.delete(first);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const k of keys) {
          const set = this.waiters.get(k);
          set?.delete(finish);
          if (set?.size === 0) this.waiters.delete(k);
        }
        resolve(outcome);
      };
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      for (const k of keys) {
        let set = this.waiters.get(k);
        if (!set) this.waiters.set(k, (set = new Set()));
        set.add(finish);
      }
    });
  }

  notify(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const finish of [...set]) finish('notified');
  }

  /** Wakes every waiter with 'closed' and refuses new waits (shutdown). */
  close(): void {
    this.closed = true;
    for (const set of [...this.waiters.values()]) for (const finish of [...set]) finish('closed');
  }
}

// A daemon counts as online while it holds a poll and this long after its last request: enough to cover the
// moment between one poll's answer and the next, not a daemon in its reconnect backoff.
export const ONLINE_GRACE_MS = 10_000;

/** Which daemons are linked: those holding a poll now or seen within the grace period (memory only). */
export class Presence {
  private readonly lastSeen = new Map<string, number>();
  private readonly polling = new Map<string, number>();

  seen(daemonId: string): void {
    this.lastSeen.set(daemonId, Date.now());
  }

  pollStarted(daemonId: string): void {
    this.polling.set(daemonId, (this.polling.get(daemonId) ?? 0) + 1);
    this.seen(daemonId);
  }

  pollEnded(daemonId: string): void {
    const n = (this.polling.get(daemonId) ?? 1) - 1;
    if (n <= 0) this.polling.delete(daemonId);
    else this.polling.set(daemonId, n);
    this.seen(daemonId);
  }

  online(daemonId: string, now = Date.now()): boolean {
    return (this.polling.get(daemonId) ?? 0) > 0 || now - (this.lastSeen.get(daemonId) ?? -Infinity) < ONLINE_GRACE_MS;
  }

  /** Daemons online now (for the status page). */
  count(now = Date.now()): number {
    const ids = new Set([...this.polling.keys(), ...this.lastSeen.keys()]);
    let n = 0;
    for (const id of ids) if (this.online(id, now)) n++;
    return n;
  }
}

// Wake-ups for long-polls: a held request waits on keys ("daemon:<id>" for instructions, "session:<id>" for events
// and session changes) and is woken the moment a writer notifies one, with no polling. It also caps how many
// requests are held at once. Held requests live in this process; when several relay instances share a store, a
// notify also goes to the others (SharedWakeups: PostgreSQL's LISTEN/NOTIFY, pg/wakeups.ts) and theirs come here.
import type { SharedPresence, SharedWakeups } from './stores.js';

export type WaitOutcome = 'notified' | 'timeout' | 'aborted' | 'closed';

/** A listen in progress (Notifier.listen). */
export interface Listening {
  wait(ms: number): Promise<WaitOutcome>;
  cancel(): void;
}

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

  private shared: SharedWakeups | null = null;

  constructor(readonly maxHeld: number) {}

  /** Sends this instance's notifies to the other instances too, and wakes held requests here on theirs. */
  share(wakeups: SharedWakeups): void {
    this.shared = wakeups;
    wakeups.onWake((keys) => {
      if (keys === 'lost') this.wakeAll();
      else for (const k of keys) this.wake(k);
    });
  }

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
   * Starts listening on `keys` now, so that a notify arriving while the caller still checks its store is not lost;
   * `wait(ms)` then resolves at once if one came meanwhile, else when one of `keys` is notified, `ms` pass, `signal`
   * aborts (the client went away) or the relay closes. `cancel()` stops listening (the check found news). Callers
   * check `room()` first; a listen past the limits still works but is counted.
   */
  listen(keys: readonly string[], signal?: AbortSignal): Listening {
    if (this.closed) return { wait: () => Promise.resolve('closed'), cancel: () => {} };
    if (signal?.aborted) return { wait: () => Promise.resolve('aborted'), cancel: () => {} };
    const first = keys[0] as string; // counted against its first key
    this.held++;
    this.heldByKey.set(first, (this.heldByKey.get(first) ?? 0) + 1);
    let outcome: WaitOutcome | null = null;
    let resolve: ((o: WaitOutcome) => void) | null = null;
    let timer: NodeJS.Timeout | null = null;
    const finish = (o: WaitOutcome) => {
      if (outcome) return;
      outcome = o;
      this.held--;
      const n = (this.heldByKey.get(first) ?? 1) - 1;
      if (n > 0) this.heldByKey.set(first, n);
      else this.heldByKey.delete(first);
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      for (const k of keys) {
        const set = this.waiters.get(k);
        set?.delete(finish);
        if (set?.size === 0) this.waiters.delete(k);
      }
      resolve?.(o);
    };
    const onAbort = () => finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const k of keys) {
      let set = this.waiters.get(k);
      if (!set) this.waiters.set(k, (set = new Set()));
      set.add(finish);
    }
    return {
      wait: (ms) => {
        if (outcome) return Promise.resolve(outcome);
        return new Promise((r) => {
          resolve = r;
          timer = setTimeout(() => finish('timeout'), ms);
        });
      },
      cancel: () => finish('timeout'),
    };
  }

  /** Wakes the requests held on `key` here, and on every other instance sharing the store. */
  notify(key: string): void {
    this.wake(key);
    this.shared?.notify([key]);
  }

  private wake(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const finish of [...set]) finish('notified');
  }

  /** Wakes every held request: each checks again (after a lost cross-instance channel, news may have been missed). */
  private wakeAll(): void {
    for (const set of [...this.waiters.values()]) for (const finish of [...set]) finish('notified');
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
// With a shared store, each instance writes which daemons are linked to it when that changes, and a heartbeat this
// often (pg/presence.ts); another instance counts a daemon online while a live instance holds it.
export const PRESENCE_TICK_MS = 5_000;
const EARLY_PUBLISH_MS = 50;

/**
 * Which daemons are linked: those holding a poll here now or seen here within the grace period (memory), and, with
 * a shared store, those linked to another live instance (a daemon linked to instance A, read through B).
 */
export class Presence {
  private readonly lastSeen = new Map<string, number>();
  private readonly polling = new Map<string, number>();
  /** The daemons the shared store holds as linked here, as last written. */
  private published = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private again = false;

  constructor(private readonly shared: SharedPresence | null = null, private readonly onError: (err: unknown) => void = () => {}) {
    if (!shared) return;
    this.timer = setInterval(() => void this.sync(), PRESENCE_TICK_MS).unref();
    void this.sync();
  }

  seen(daemonId: string): void {
    this.lastSeen.set(daemonId, Date.now());
    // A daemon that just linked is written at once (with any others of the same moment), not at the next tick: a
    // phone opening its session through another instance right after should see it online.
    if (this.shared && !this.published.has(daemonId) && !this.soon) {
      this.soon = setTimeout(() => {
        this.soon = null;
        void this.sync();
      }, EARLY_PUBLISH_MS).unref();
    }
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

  /** Linked to this instance. */
  private here(daemonId: string, now: number): boolean {
    return (this.polling.get(daemonId) ?? 0) > 0 || now - (this.lastSeen.get(daemonId) ?? -Infinity) < ONLINE_GRACE_MS;
  }

  async online(daemonId: string, now = Date.now()): Promise<boolean> {
    if (this.here(daemonId, now) || !this.shared) return this.here(daemonId, now);
    return (await this.shared.linked([daemonId])).has(daemonId);
  }

  /** Daemons online now (for the status page): across instances with a shared store. */
  async count(now = Date.now()): Promise<number> {
    if (this.shared) return this.shared.countLinked();
    const ids = new Set([...this.polling.keys(), ...this.lastSeen.keys()]);
    let n = 0;
    for (const id of ids) if (this.here(id, now)) n++;
    return n;
  }

  /** Heartbeat, then writes what changed since the last time: daemons linked here since, and those gone. */
  private sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      const shared = this.shared as SharedPresence;
      try {
        const now = Date.now();
        for (const [id] of this.lastSeen) if (!this.here(id, now)) this.lastSeen.delete(id);
        // The store forgot this instance (its first beat, a restart of PostgreSQL, a long pause): write every link again.
        if (!(await shared.heartbeat())) this.published = new Set();
        const current = new Set([...this.polling.keys(), ...this.lastSeen.keys()]);
        await shared.update([...current].filter((id) => !this.published.has(id)), [...this.published].filter((id) => !current.has(id)));
        this.published = current;
      } catch (err) {
        this.onError(err);
      } finally {
        this.syncing = null;
        if (this.again) {
          this.again = false;
          void this.sync();
        }
      }
    })();
    return this.syncing;
  }

  /** Stops writing; with `withdraw`, takes this instance's links out of the shared store (a clean shutdown). */
  async stop(withdraw = false): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = this.soon = null;
    if (!withdraw || !this.shared) return;
    await this.syncing;
    try {
      await this.shared.withdraw();
    } catch (err) {
      this.onError(err);
    }
  }
}

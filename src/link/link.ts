// The daemon's outbound link to a relay (docs/architecture.md guarantee 6). One connection cycle: register if needed, push
// every session's view and access, upload events from each session's cursor, then run two workers until either
// fails — `sync` (session updates and event uploads, woken by local changes) and `poll` (long-poll for
// instructions). A failure backs off with full jitter; a wake or SIGUSR2 drops the pool and reconnects at once.
import type { Logger } from 'pino';
import { AckResponse, POLL_DEADLINE_MS, POLL_HOLD_MS, PollResponse, RegisterResponse, type Instruction } from '../protocol/relay.js';
import type { DeviceAccessStore } from '../store/device-access.js';
import type { LinkStore } from '../store/link-store.js';
import { Backoff, sleepUnless } from './backoff.js';
import type { Executor } from './executor.js';
import { HttpError, RelayHttp, checkRelayUrl, describeError } from './http.js';
import type { LinkSessions } from './sealed-view.js';
import { DEVICE_WAIT } from './device-sync.js';
import { SessionSync } from './session-sync.js';
import { Uploader } from './uploader.js';
import { Replies, type OutgoingPush } from './replies.js';

export type { OutgoingPush } from './replies.js';

export type LinkState = 'off' | 'connecting' | 'connected' | 'backoff';

// Ordinary calls (register, session updates, uploads) answer in milliseconds; past this the relay is not there.
const CALL_TIMEOUT_MS = 15_000;
// A relay refuses a poll (503 over its cap, 401) at once; one it still holds after this long has taken it.
const POLL_TAKEN_MS = 1_000;
// A poll refused as busy without a retry-after is asked again after this, plus up to REFUSED_JITTER_MS: thousands of
// daemons refused in the same second must not all come back in the same millisecond.
const REFUSED_RETRY_MS = 2_000;
const REFUSED_JITTER_MS = 1_000;
// Refused polls are summed up in the log at most this often (a busy relay refuses a daemon every few seconds).
const REFUSED_LOG_EVERY_MS = 60_000;

export interface LinkDeps {
  relayUrl: string;
  store: LinkStore;
  devices: DeviceAccessStore;
  sessions: LinkSessions;
  executor: Executor;
  log: Logger;
  random?: () => number;
}

class Wake extends Error {}

export class Link {
  state: LinkState = 'connecting';
  reconnects = 0;
  /** Polls the relay refused as busy (503/429), each retried alone: shown in `rcd status --json` (daemon.link). */
  pollsRefused = 0;
  error: string | null = null;
  readonly origin: URL;
  private readonly http: RelayHttp;
  private readonly backoff: Backoff;
  private readonly uploader: Uploader;
  private readonly sync: SessionSync;
  private cycle = new AbortController();
  private kickSync: (() => void) | null = null;
  private closed = false;
  private connectedOnce = false;
  /** A registration not yet proven (connect has not succeeded with it): stored only once it works. */
  private fresh: { daemonId: string; credential: string } | null = null;
  private mustRegister = false;
  private reregistered = false;
  /**
   * The last cycle ended with a 503/429 (a proxy in front of the relay, a busy relay refusing an upload; a refused
   * poll alone does not end the cycle, see pollWorker): reconnecting does not reset the backoff.
   */
  private pollRefused = false;
  private refusedLogged = { at: Number.NEGATIVE_INFINITY, count: 0 };
  /** Results of instructions to the daemon itself, and Web Push notifications, for the relay. */
  private readonly replies: Replies;

  constructor(private readonly d: LinkDeps) {
    this.origin = checkRelayUrl(d.relayUrl);
    this.http = new RelayHttp(this.origin, () => this.fresh?.credential ?? this.d.store.identity(this.origin.origin)?.credential ?? null);
    this.backoff = new Backoff(d.random);
    this.uploader = new Uploader(d.store, this.http, CALL_TIMEOUT_MS, d.log);
    this.sync = new SessionSync({ ...d, http: this.http, uploader: this.uploader, timeoutMs: CALL_TIMEOUT_MS });
    this.replies = new Replies({
      store: d.store, devices: d.devices, http: this.http, log: d.log, timeoutMs: CALL_TIMEOUT_MS,
      daemonId: () => d.store.identity(this.origin.origin)?.daemonId ?? null, kick: () => this.kickSync?.(),
    });
  }

  start(): void {
    this.sync.all();
    void this.run();
  }

  /** A session's view or access changed: push it. */
  sessionChanged(id: string): void {
    this.sync.changed(id);
    this.uploader.touch(id);
    this.kickSync?.();
  }

  /** New events were stored for a session: upload them. */
  eventsStored(id: string): void {
    this.uploader.touch(id);
    this.kickSync?.();
  }

  sessionRemoved(id: string): void {
    this.sync.removedLocally(id);
    this.kickSync?.();
  }

  /** A notification for the relay to deliver, sent as soon as the link is up (replies.ts). */
  queuePush(p: OutgoingPush): void {
    this.replies.queuePush(p);
  }

  /** The outcome of an instruction to the daemon itself (a remote start) is stored: send it to its client. */
  resultReady(): void {
    this.replies.resultReady();
  }

  /**
   * Resolves when every access change made so far has reached the relay; rejects after `timeoutMs`, or at once with
   * `refused: true` on the error when the relay refused the session (a limit, a retired URL): waiting will not help.
   */
  accessSynced(sessionId: string, timeoutMs: number): Promise<void> {
    const waited = this.sync.waits.wait(sessionId, () => this.d.store.access(sessionId)?.synced === true, timeoutMs,
      () => this.error ?? 'the relay did not confirm in time');
    this.sessionChanged(sessionId);
    return waited;
  }

  /** As accessSynced, for the device URL (`rcd url --device`); every session's keys are sealed for it again. */
  deviceSynced(timeoutMs: number): Promise<void> {
    const waited = this.sync.waits.wait(DEVICE_WAIT, () => this.d.devices.get()?.synced === true, timeoutMs,
      () => this.error ?? 'the relay did not confirm in time');
    this.sync.deviceChanged();
    this.kickSync?.();
    return waited;
  }

  /** After a wake (or SIGUSR2): abort what is in flight, drop the pool, reset the backoff, reconnect now. */
  wake(): void {
    if (this.closed) return;
    this.backoff.reset();
    this.http.renew();
    this.cycle.abort(new Wake('wake'));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cycle.abort(new Wake('closing'));
    await this.http.close();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      this.cycle = new AbortController();
      const signal = this.cycle.signal;
      try {
        this.state = 'connecting';
        await this.connect(signal);
        this.state = 'connected';
        this.error = null;
        if (this.connectedOnce) this.reconnects += 1;
        this.connectedOnce = true;
        // Connected: the backoff starts over, unless the last cycle ended with a 503/429: such a relay takes session
        // updates but refuses something else, and must not get a reconnect a second. Then only a poll it takes
        // (answers, or holds for POLL_TAKEN_MS) resets the backoff.
        if (!this.pollRefused) this.backoff.reset();
        this.d.log.info({ relay: this.origin.origin, reconnects: this.reconnects }, 'relay link connected');
        void this.d.executor.drain(); // leftovers from before a restart
        await this.workers(signal);
      } catch (err) {
        if (this.closed) break;
        if (signal.reason instanceof Wake) continue; // reconnect at once
        if (err instanceof HttpError && err.unauthorized) {
          if (!this.reregistered) {
            // The relay does not know our credential (its data was reset, or it is another relay): register
            // again, once in this daemon's life. The old credential is kept until the new one has worked, so a
            // relay that comes back with its data (or a refusal that was not the relay's) costs nothing.
            this.reregistered = true;
            this.mustRegister = true;
            this.fresh = null;
            this.d.log.warn({ status: err.status }, 'relay refused the daemon credential; registering again');
            continue;
          }
          this.state = 'off';
          this.error = `${err.message}; the link stays off until the daemon restarts or wakes`;
          this.d.log.error({ status: err.status }, 'relay refused this daemon; not retrying');
          await sleepUnless(Number.POSITIVE_INFINITY, signal);
          continue;
        }
        this.state = 'backoff';
        this.error = describeError(err);
        this.pollRefused = err instanceof HttpError && (err.status === 503 || err.status === 429);
        // A relay that says when to come back (503 over its cap) is not asked sooner.
        const delay = Math.max(this.backoff.next(), err instanceof HttpError ? err.retryAfterMs : 0);
        this.d.log.warn({ error: this.error, retryInMs: delay }, 'relay link down');
        await sleepUnless(delay, signal);
      }
    }
    this.state = 'off';
  }

  private async connect(signal: AbortSignal): Promise<void> {
    const identity = this.d.store.identity(this.origin.origin);
    if (!this.fresh && (this.mustRegister || !identity?.credential)) {
      this.fresh = await this.http.call('POST', 'api/daemon/register', {}, RegisterResponse, { signal, timeoutMs: CALL_TIMEOUT_MS });
      this.mustRegister = false;
    }
    this.sync.all();
    await this.sync.push(signal);
    for (const id of this.d.sessions.ids()) this.uploader.touch(id);
    if (this.fresh) {
      // It works: from now on it is this daemon's identity at this relay.
      this.d.store.setIdentity(this.origin.origin, this.fresh.daemonId, this.fresh.credential);
      this.fresh = null;
    }
    // Every session's events go up from the sync worker, which gives way to waiting changes (a backlog written
    // while the link was down must not hold `rcd url` up); the views above carry each session's last seq, so a
    // follower waits for them.
  }

  private async workers(signal: AbortSignal): Promise<void> {
    const inner = new AbortController();
    const abort = () => inner.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    const guard = (p: Promise<void>) =>
      p.catch((err: unknown) => {
        inner.abort(err);
        throw err;
      });
    try {
      await Promise.all([guard(this.syncWorker(inner.signal)), guard(this.pollWorker(inner.signal))]);
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private async syncWorker(signal: AbortSignal): Promise<void> {
    for (;;) {
      // New sessions must exist on the relay before their events; other changes go after them, but a long backlog
      // gives way after each batch to a waiting change (`rcd url` waits 5 s at most for its confirmation).
      // Followers are safe either way: a view carries the newest seq, and a session is finished for them only
      // once every event up to it is held (src/protocol/relay.ts, RemoteSession).
      await this.sync.push(signal, true);
      await this.uploader.uploadPending(signal, () => this.sync.pending || this.replies.pending);
      await this.sync.push(signal, false);
      await this.replies.send(signal);
      if (!this.sync.pending && !this.uploader.hasPending() && !this.replies.pending) {
        let onAbort: () => void = () => undefined;
        try {
          await new Promise<void>((resolve, reject) => {
            this.kickSync = resolve;
            onAbort = () => reject(signal.reason);
            signal.addEventListener('abort', onAbort, { once: true });
          });
        } finally {
          // One wait per local change over a connection that lasts days: its listener must not outlive it.
          signal.removeEventListener('abort', onAbort);
          this.kickSync = null;
        }
      }
    }
  }

  private pollTaken(): void {
    this.pollRefused = false;
    this.backoff.reset();
  }

  private async pollWorker(signal: AbortSignal): Promise<void> {
    for (;;) {
      // A poll the relay holds for a moment was taken (refusals such as 503 answer at once): the link is really up,
      // so the backoff starts over now, not only when an idle poll returns 25 s later (a relay restarted twice in
      // that time would otherwise be reached after ever longer waits).
      const taken = setTimeout(() => this.pollTaken(), POLL_TAKEN_MS);
      let instructions: Instruction[];
      try {
        ({ instructions } = await this.http.call('GET', `api/daemon/poll?wait=${POLL_HOLD_MS}`, undefined, PollResponse, {
          signal, timeoutMs: POLL_DEADLINE_MS,
        }));
      } catch (err) {
        // A relay over its cap of held polls (503) or limiting this daemon (429) still takes its uploads and session
        // updates: only the poll waits and is asked again. Ending the whole cycle instead made each refusal a
        // reconnect that PUT every session again and stopped uploads (docs/benchmarks.md, "Relay load").
        if (err instanceof HttpError && (err.status === 503 || err.status === 429) && !signal.aborted) {
          this.pollRefusedBusy(err);
          await sleepUnless((err.retryAfterMs || REFUSED_RETRY_MS) + Math.floor((this.d.random ?? Math.random)() * REFUSED_JITTER_MS), signal);
          if (signal.aborted) throw signal.reason;
          continue;
        }
        throw err;
      } finally {
        clearTimeout(taken);
      }
      this.pollTaken(); // the relay answers polls: the link is really up
      if (instructions.length === 0) continue;
      // Stored first (with their ids, so a repeat delivery is ignored); once stored they may run at once, in
      // parallel with the acknowledgement: being marked started when claimed, none can run twice.
      this.d.store.storeInstructions(instructions.map((i) => ({ id: i.id, sessionId: i.session, kind: i.kind, payload: i.payload, via: i.via })));
      void this.d.executor.drain();
      await this.http.call('POST', 'api/daemon/ack', { ids: instructions.map((i) => i.id) }, AckResponse, { signal, timeoutMs: CALL_TIMEOUT_MS });
    }
  }

  /** Counts a refused poll; the log gets one line for the first and then at most one summary a minute. */
  private pollRefusedBusy(err: HttpError): void {
    this.pollsRefused += 1;
    this.refusedLogged.count += 1;
    const t = Date.now();
    if (t - this.refusedLogged.at < REFUSED_LOG_EVERY_MS) return;
    this.d.log.warn({ status: err.status, refused: this.refusedLogged.count, total: this.pollsRefused, error: err.message },
      'relay busy: polls refused and retried (uploads go on)');
    this.refusedLogged = { at: t, count: 0 };
  }
}

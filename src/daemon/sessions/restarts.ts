// What happens after a run ends on its own: the restart policy's decision (src/daemon/sessions/restart-policy.ts) applied to
// the session's record, and the backoff timers of restarts to come. Timers and the backoff history live in memory:
// a session left `restarting` by a dead daemon is restarted at once by the next (recover.ts).
import type { Config } from '../../protocol/config.js';
import type { EventStore } from '../../store/events.js';
import type { SessionRecord, SessionStore } from '../../store/sessions.js';
import { decideRestart, describeExit, emptyHistory, type ExitInfo, type RestartHistory } from './restart-policy.js';

export interface RestartDeps {
  sessions: SessionStore;
  events: EventStore;
  config: () => Config;
  /** The session's record changed. */
  changed(id: string): void;
  /** Time to run it again. */
  respawn(id: string): void;
}

export class Restarts {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly history = new Map<string, RestartHistory>();

  constructor(private readonly d: RestartDeps) {}

  /** A run ended on its own (or could not start: `why`): restart it after a backoff, leave it exited, or fail it. */
  afterEnd(s: SessionRecord, exit: ExitInfo, ranMs: number, why?: string): void {
    const id = s.id;
    const ended = { pid: null, exitCode: exit.exitCode, signal: exit.signal };
    const what = why ?? describeExit(exit);
    const decision = decideRestart(s.restartPolicy, exit, ranMs, this.history.get(id) ?? emptyHistory(), Date.now(), this.d.config().restartBackoffMs);
    if (decision.action === 'exit') {
      this.d.sessions.update(id, { ...ended, state: 'exited', reason: what });
      this.d.events.appendState(id, { state: 'exited', ...exit });
    } else if (decision.action === 'fail') {
      const reason = why ? `${why} (${decision.reason})` : decision.reason;
      this.d.sessions.update(id, { ...ended, state: 'failed', reason });
      this.d.events.appendState(id, { state: 'failed', ...exit, reason });
    } else {
      this.history.set(id, decision.history);
      this.d.sessions.update(id, { ...ended, state: 'restarting', restarts: s.restarts + 1, reason: `${what}; restarting in ${decision.delayMs / 1000} s` });
      this.d.events.appendState(id, { state: 'restarting', ...exit, delayMs: decision.delayMs });
      this.timers.set(id, setTimeout(() => {
        this.timers.delete(id);
        this.d.respawn(id);
      }, decision.delayMs));
    }
    this.d.changed(id);
  }

  /** Drops a restart that is waiting out its backoff; true when there was one. */
  cancel(id: string): boolean {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    return this.timers.delete(id);
  }

  /** Forgets the backoff and start-limit history (a deliberate restart, a removed session). */
  forget(id: string): void {
    this.history.delete(id);
  }

  /** The daemon is going away: no restart may fire in it any more. */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

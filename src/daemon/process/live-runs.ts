// The runs this daemon holds a process handle for, by session id. Kept apart from the supervisor (which adds and
// drops them) so that what only needs to know "is its process up" — stdin writes, an agent's control protocol —
// depends on this, not on the supervisor.
import type { SessionStore } from '../../store/sessions.js';
import type { AgentRun } from './agent-process.js';

export interface LiveRun {
  run: AgentRun;
  number: number;
  startedAtMs: number;
  stopRequested: boolean;
}

export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();

  constructor(private readonly sessions: SessionStore) {}

  get(id: string): LiveRun | undefined {
    return this.runs.get(id);
  }

  set(id: string, live: LiveRun): void {
    this.runs.set(id, live);
  }

  delete(id: string): void {
    this.runs.delete(id);
  }

  /** The session has a process this daemon holds and is `running` (not stopping, not between runs). */
  isRunning(id: string): boolean {
    return this.runs.has(id) && this.sessions.get(id)?.state === 'running';
  }
}

// When an agent ends on its own, decide: restart it (after how long), leave it exited, or give up.
// Pure logic with an injected clock; the supervisor owns the timers.
import type { RestartPolicy } from '../../protocol/session.js';

// The first delay (config `restartBackoffMs`, default 1 s) doubles per consecutive quick failure: fast enough
// for a transient crash, slow enough that a crash loop does not burn the machine.
// Never wait more than a minute: a session that comes back late is still better than one that stays down.
export const RESTART_BACKOFF_CAP_MS = 60_000;
// A run this long counts as healthy: the next failure starts the backoff from the base again.
export const RESTART_RESET_AFTER_MS = 60_000;
// This many restarts within the window means the agent cannot run here; the session becomes `failed`.
export const START_LIMIT_BURST = 5;
export const START_LIMIT_WINDOW_MS = 60_000;

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
}

export interface RestartHistory {
  /** Consecutive restarts without a healthy run in between; drives the backoff. */
  consecutive: number;
  /** Times (ms) of recent restarts; drives the start limit. */
  recent: number[];
}

export type RestartDecision =
  | { action: 'exit' }
  | { action: 'restart'; delayMs: number; history: RestartHistory }
  | { action: 'fail'; reason: string };

export function emptyHistory(): RestartHistory {
  return { consecutive: 0, recent: [] };
}

export function failed(exit: ExitInfo): boolean {
  return exit.signal !== null || (exit.exitCode !== null && exit.exitCode !== 0);
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.exitCode ?? 'unknown'}`;
}

export function decideRestart(
  policy: RestartPolicy,
  exit: ExitInfo,
  ranMs: number,
  history: RestartHistory,
  now: number,
  baseMs: number,
): RestartDecision {
  if (policy === 'no' || (policy === 'on-failure' && !failed(exit))) return { action: 'exit' };
  const recent = history.recent.filter((t) => now - t < START_LIMIT_WINDOW_MS);
  if (recent.length >= START_LIMIT_BURST) {
    return {
      action: 'fail',
      reason: `restarted ${recent.length} times within ${START_LIMIT_WINDOW_MS / 1000} s and ended again (${describeExit(exit)}); giving up`,
    };
  }
  const consecutive = ranMs >= RESTART_RESET_AFTER_MS ? 0 : history.consecutive;
  const delayMs = Math.min(baseMs * 2 ** consecutive, RESTART_BACKOFF_CAP_MS);
  return { action: 'restart', delayMs, history: { consecutive: consecutive + 1, recent: [...recent, now] } };
}

// Notices the end of agents a previous daemon started (re-adopted at start-up). They are not our children, so
// their end cannot be waited for. The wrapper records the agent's status by renaming `exit.tmp` to `exit` in the
// session directory: an inotify watch on that directory sees it at once. Under it, one timer for all adopted
// sessions (not one each) looks at every one now and then, for the case that leaves no file (the wrapper killed
// along with the agent) and for a watch that failed; `rcd stop` asks for a look directly (AgentRun.recheck).
import { watch, type FSWatcher } from 'node:fs';
import { readExitFile, type SessionFiles } from './agent-process.js';
import { isAlive, processStartId } from './proc.js';
import type { ExitInfo } from '../sessions/restart-policy.js';

// How often the net looks at every adopted agent. It used to be each one every second, on a timer each: an idle
// daemon after a restart woke that often for nothing (docs/benchmarks.md, "Idle footprint"). A status file is
// seen at once by the watch; only an agent that ended with its wrapper killed too waits up to this.
export const ADOPTED_CHECK_MS = 10_000;
// A watch that cannot be had (inotify out of watches, the directory gone) leaves the net alone to find the end:
// then it looks as often as the one-timer-per-session poll used to.
export const ADOPTED_CHECK_UNWATCHED_MS = 1_000;

interface Adopted {
  files: SessionFiles;
  pid: number;
  pidStart: string;
  wrapperPid: number | null;
  watcher: FSWatcher | null;
  resolve: (exit: ExitInfo) => void;
}

const adopted = new Set<Adopted>();
let timer: NodeJS.Timeout | null = null;
let timerMs = 0;

export function sameProcess(pid: number | null, start: string | null): boolean {
  return pid !== null && isAlive(pid) && start !== null && processStartId(pid) === start;
}

/** Resolves with the agent's exit status once it has ended; `recheck` looks at once (a stop that just killed it). */
export function watchAdopted(files: SessionFiles, pid: number, pidStart: string, wrapperPid: number | null): { exited: Promise<ExitInfo>; recheck: () => void } {
  let resolve: (exit: ExitInfo) => void = () => undefined;
  const exited = new Promise<ExitInfo>((r) => {
    resolve = r;
  });
  const a: Adopted = { files, pid, pidStart, wrapperPid, watcher: null, resolve };
  try {
    a.watcher = watch(files.dir, { persistent: false }, (_event, name) => {
      if (name === 'exit') check(a);
    });
    a.watcher.on('error', () => {
      a.watcher?.close();
      a.watcher = null;
      arm();
    });
  } catch {
    a.watcher = null;
  }
  adopted.add(a);
  arm();
  check(a); // it may have ended between the recovery's look and the watch
  return { exited, recheck: () => check(a) };
}

function check(a: Adopted): void {
  if (!adopted.has(a) || sameProcess(a.pid, a.pidStart)) return;
  const recorded = readExitFile(a.files);
  // The wrapper writes the status right after the agent ends; give it that moment (its rename wakes the watch).
  if (!recorded && a.wrapperPid !== null && isAlive(a.wrapperPid)) return;
  adopted.delete(a);
  a.watcher?.close();
  arm();
  a.resolve(recorded ?? { exitCode: null, signal: null });
}

/** The one timer: none when nothing is adopted; short while some adopted agent has no watch. */
function arm(): void {
  const ms = adopted.size === 0 ? 0 : [...adopted].some((a) => !a.watcher) ? ADOPTED_CHECK_UNWATCHED_MS : ADOPTED_CHECK_MS;
  if (ms === timerMs) return;
  if (timer) clearInterval(timer);
  timer = null;
  timerMs = ms;
  if (ms === 0) return;
  timer = setInterval(() => {
    for (const a of [...adopted]) check(a);
  }, ms);
  timer.unref();
}

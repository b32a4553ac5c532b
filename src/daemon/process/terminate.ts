// Stops one run of an agent and everything it started: SIGTERM to its process group, to every descendant (some
// leave the group with setsid) and to every process carrying the session's RCD_SESSION_ID (some leave the tree
// too: detached background jobs are re-parented to init), a grace period, then SIGKILL to whatever is left.
import type { Logger } from 'pino';
import type { AgentRun } from './agent-process.js';
import { descendants, isAlive, processStartId, processesWithEnv, signal } from './proc.js';

// After SIGKILL the kernel needs a moment to tear processes down; past this we report what is left.
const KILL_SETTLE_MS = 5_000;
// How often to look whether the processes are gone. Short, because `rcd stop` waits on it.
const POLL_MS = 25;
// Looks for processes that appeared during the stop; a session that keeps spawning past this is killed.
const MAX_LOOKS = 5;

interface Tracked {
  pid: number;
  start: string | null;
}

function snapshot(run: AgentRun, sessionId: string, known: Map<number, Tracked>): void {
  for (const pid of [...descendants(run.wrapperPid), ...processesWithEnv('RCD_SESSION_ID', sessionId)]) {
    if (!known.has(pid)) known.set(pid, { pid, start: processStartId(pid) });
  }
}

/** Alive and still the same process (not a recycled pid). */
function stillThere(t: Tracked): boolean {
  return isAlive(t.pid) && (t.start === null || processStartId(t.pid) === t.start);
}

function signalAll(run: AgentRun, known: Map<number, Tracked>, sig: NodeJS.Signals): void {
  signal(-run.wrapperPid, sig);
  for (const t of known.values()) if (stillThere(t)) signal(t.pid, sig);
}

async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

export async function terminateRun(run: AgentRun, sessionId: string, graceMs: number, log: Logger): Promise<void> {
  const known = new Map<number, Tracked>();
  let exited = false;
  void run.exited.then(() => {
    exited = true;
  });
  snapshot(run, sessionId, known);
  signalAll(run, known, 'SIGTERM');
  const allGone = () => {
    run.recheck?.(); // a re-adopted run's end is otherwise noticed only by its exit file or a slow check
    return exited && [...known.values()].every((t) => !stillThere(t));
  };
  const deadline = Date.now() + graceMs;
  // Processes can appear while the known ones end (a shutdown hook that starts a child): look again once they
  // are gone, and go on while each look finds someone new.
  for (let look = 0; look < MAX_LOOKS; look++) {
    if (!(await until(allGone, Math.max(0, deadline - Date.now())))) break;
    snapshot(run, sessionId, known);
    if ([...known.values()].every((t) => !stillThere(t))) return;
    signalAll(run, known, 'SIGTERM');
  }

  snapshot(run, sessionId, known);
  log.warn({ pids: [...known.keys()], graceMs }, 'still running after the grace period; sending SIGKILL');
  signalAll(run, known, 'SIGKILL');
  if (!(await until(allGone, KILL_SETTLE_MS))) {
    log.error({ pids: [...known.values()].filter(stillThere).map((t) => t.pid) }, 'processes survived SIGKILL');
  }
}

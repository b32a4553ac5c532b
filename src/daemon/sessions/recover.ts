// At daemon start: bring every session the database calls live back under supervision. An agent that kept
// running while no daemon was around is re-adopted (pid *and* start time must match: a bare pid may have been
// reused); one that ended meanwhile has its recorded exit status applied; one that vanished without a status
// (a reboot, or its wrapper was killed) is restored with a fresh process.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { SessionRecord, SessionStore } from '../../store/sessions.js';
import { readExitFile, type AgentRun, type SessionFiles } from '../process/agent-process.js';
import { sameProcess, watchAdopted } from '../process/adopted-exits.js';
import { currentBootId, isAlive, processGroupOf, processesWithEnv, signal } from '../process/proc.js';
import type { Supervisor } from './supervisor.js';

/** The pid the wrapper wrote for a run the database may not know of (the daemon died while spawning it). */
function pidFromFile(files: SessionFiles): number | null {
  try {
    const pid = Number.parseInt(readFileSync(files.agentPid, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

// How long the recovery waits for a half-started process (and its wrapper) to die after SIGKILL.
const HALF_STARTED_KILL_MS = 5_000;

/**
 * A respawn the previous daemon died in the middle of: the wrapper wrote the new agent's pid, the database never
 * heard of it. Two processes must never share the session's input, so it is killed before the session is
 * restored. (A run's end removes agent.pid, so a pid there now is that respawn's; the environment check guards
 * against a recycled pid all the same.)
 */
async function endHalfStarted(s: SessionRecord, files: SessionFiles, log: Logger): Promise<void> {
  const pid = pidFromFile(files);
  if (pid === null || !processesWithEnv('RCD_SESSION_ID', s.id).includes(pid)) return;
  const group = processGroupOf(pid);
  log.warn({ session: s.id, agentPid: pid }, 'ending a process whose start the previous daemon did not record');
  if (group !== null) signal(-group, 'SIGKILL');
  signal(pid, 'SIGKILL');
  // Its wrapper records the end in the session directory: it must be gone before the next run's files are made.
  const gone = () => !isAlive(pid) && (group === null || !isAlive(group));
  const deadline = Date.now() + HALF_STARTED_KILL_MS;
  while (!gone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

export async function recoverSessions(supervisor: Supervisor, store: SessionStore, log: Logger): Promise<{ adopted: number; ended: number; restored: number }> {
  const counts = { adopted: 0, ended: 0, restored: 0 };
  for (const s of store.listLive()) {
    const files = supervisor.files(s.id);
    if (s.state === 'restarting' || s.state === 'starting') {
      // The previous daemon died before its run was recorded (a spawn records 'running' with the pid at once):
      // whatever it may have started is ended, and the session starts afresh.
      await endHalfStarted(s, files, log);
      await supervisor.restore(s.id, s.state === 'starting' ? 'the daemon died while starting it' : 'its restart was due while no daemon ran');
      counts.restored += 1;
      continue;
    }
    const { pid, pidStart: start } = s;
    const startedAtMs = s.startedAt ? Date.parse(s.startedAt) : Date.now();
    const stopRequested = s.state === 'stopping';
    if (pid !== null && start !== null && sameProcess(pid, start)) {
      log.info({ session: s.id, agentPid: pid }, 're-adopting a running agent');
      const run: AgentRun = { pid, pidStart: start, wrapperPid: s.wrapperPid ?? pid, ...watchAdopted(files, pid, start, s.wrapperPid) };
      supervisor.adopt(s.id, run, s.run, startedAtMs, false);
      if (stopRequested) void supervisor.stop(s.id); // the previous daemon died mid-stop: finish it
      counts.adopted += 1;
      continue;
    }
    const exit = readExitFile(files);
    if (exit || stopRequested) {
      log.info({ session: s.id, ...exit }, 'agent ended while no daemon was running');
      const run: AgentRun = { pid: pid ?? 0, pidStart: start, wrapperPid: s.wrapperPid ?? 0, exited: Promise.resolve(exit ?? { exitCode: null, signal: null }) };
      supervisor.adopt(s.id, run, s.run, startedAtMs, stopRequested);
      counts.ended += 1;
      continue;
    }
    // No process and no recorded exit: the machine went down under it (or its wrapper was killed). That is not
    // the agent failing, so it comes back whatever its restart policy.
    const bootChanged = start !== null && !start.startsWith(`${currentBootId()}:`);
    await supervisor.restore(s.id, bootChanged ? 'the machine rebooted' : 'its process vanished without an exit status');
    counts.restored += 1;
  }
  return counts;
}

// Starts one run of an agent so that it can outlive the daemon (docs/architecture.md guarantee 2):
//  - a tiny wrapper (./wrapper.ts: compiled, or POSIX sh) is the daemon's child, in its own session and process
//    group (no controlling terminal);
//  - the agent (CMD ARGS, never parsed by a shell: passed as "$@") is the wrapper's child, whose pid we report;
//  - stdout and stderr go to a per-session file the daemon tails from a checkpointed offset, not to a pipe;
//  - stdin is a per-session FIFO the agent holds open read-write, so it never sees EOF when no writer is around;
//  - the wrapper writes the agent's exit status to a file, so it is known even if the daemon was gone at the time.
// A shell wrapper costs ~115 KB where a Node one would cost ~40 MB per session. It is started with node's own
// child_process.spawn: execa was used for this one call, and loading it cost the idle daemon ~10 MB of resident
// memory (docs/benchmarks.md, "Idle footprint").
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { RcdError } from '../../common/errors.js';
import { removeFile } from '../../common/remove-file.js';
import { processStartId } from './proc.js';
import { wrapperCommand } from './wrapper.js';
import type { ExitInfo } from '../sessions/restart-policy.js';


// The wrapper reports the agent's pid within milliseconds; if it has not after this long, something is badly wrong.
const PID_REPORT_TIMEOUT_MS = 10_000;

export interface SessionFiles {
  dir: string;
  stdin: string;
  output: string;
  exit: string;
  agentPid: string;
}

export function sessionFiles(dir: string): SessionFiles {
  return {
    dir,
    stdin: join(dir, 'stdin'),
    output: join(dir, 'output'),
    exit: join(dir, 'exit'),
    agentPid: join(dir, 'agent.pid'),
  };
}

export interface AgentRun {
  pid: number;
  pidStart: string | null;
  wrapperPid: number;
  /** Resolves once the agent has ended and its status is known. */
  exited: Promise<ExitInfo>;
  /** A run re-adopted from an earlier daemon: look for its end now (otherwise seen by inotify or a slow check). */
  recheck?: () => void;
}

export interface SpawnOptions {
  files: SessionFiles;
  command: string[];
  cwd: string;
  env: Record<string, string>;
}

const SIGNALS_BY_NUMBER: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV',
  13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 10: 'SIGUSR1', 12: 'SIGUSR2',
};

/**
 * The shell reports a death by signal N as status 128+N; there is no other way for it to tell us. So an agent
 * that calls exit(143) is recorded as killed by SIGTERM: the convention every shell user already reads it by.
 */
export function exitFromShellStatus(status: number): ExitInfo {
  if (status > 128 && status < 128 + 65) {
    return { exitCode: null, signal: SIGNALS_BY_NUMBER[status - 128] ?? `SIG${status - 128}` };
  }
  return { exitCode: status, signal: null };
}

/** Reads the status the wrapper left behind, or null if it never wrote one (it was killed itself). */
export function readExitFile(files: SessionFiles): ExitInfo | null {
  try {
    const status = Number.parseInt(readFileSync(files.exit, 'utf8'), 10);
    return Number.isFinite(status) ? exitFromShellStatus(status) : null;
  } catch {
    return null;
  }
}

export async function spawnAgent(opts: SpawnOptions): Promise<AgentRun> {
  const { files } = opts;
  removeFile(files.exit);
  removeFile(files.agentPid);
  const out = openSync(files.output, 'a', 0o600);
  let child: ChildProcess;
  try {
    const [file, args] = wrapperCommand(files.dir, opts.command);
    child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env, // exactly the session's environment, nothing of the daemon's
      detached: true, // setsid(): its own session and process group, never a terminal's
      // The raw fd goes to the child as is (no pipe through us); fd 4 is where the wrapper reports the agent's pid.
      stdio: ['ignore', out, out, 'ignore', 'pipe'],
    });
  } finally {
    closeSync(out); // the wrapper has its own copy; the daemon must not hold the file
  }
  // Either 'error' (it could not be started: no such directory...) or 'close' (it ended and fd 4 is drained).
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, sig) => resolve({ code, signal: sig }));
  });
  const wrapperPid = child.pid;
  if (wrapperPid === undefined) {
    const result = await ended;
    throw new RcdError('SPAWN_FAILED', `could not start the agent: ${result.error?.message ?? `exit ${result.code ?? result.signal}`}`);
  }
  const exited = ended.then((result): ExitInfo => {
    const recorded = readExitFile(files);
    if (recorded) return recorded;
    // The wrapper itself died (SIGKILL to the group): its fate is the agent's.
    return { exitCode: result.code ?? null, signal: result.signal ?? null };
  });
  const pid = await readReportedPid(child.stdio[4] as Readable, exited);
  return { pid, pidStart: processStartId(pid), wrapperPid, exited };
}

// One short line on fd 4, read by hand: node:readline for it cost the idle daemon ~0.6 MB (docs/benchmarks.md).
function readReportedPid(stream: Readable, exited: Promise<ExitInfo>): Promise<number> {
  const watch: EndWatch = { fail: null };
  failWhenEnded(exited, watch);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('the agent wrapper did not report a pid'), PID_REPORT_TIMEOUT_MS);
    let text = '';
    // Once the pid is read, fd 4 is of no more use: closing our end lets the child's 'close' (its end) come.
    const done = () => {
      watch.fail = null;
      clearTimeout(timer);
      stream.off('data', onData);
      stream.destroy();
    };
    const fail = (message: string) => {
      done();
      reject(new RcdError('SPAWN_FAILED', message));
    };
    watch.fail = fail;
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\n');
      if (end === -1) {
        if (text.length > 64) fail(`the agent wrapper reported a bad pid: ${JSON.stringify(text.slice(0, 64))}`);
        return;
      }
      done();
      const line = text.slice(0, end);
      const pid = /^[1-9][0-9]*$/.test(line) ? Number(line) : NaN;
      if (Number.isSafeInteger(pid)) resolve(pid);
      else reject(new RcdError('SPAWN_FAILED', `the agent wrapper reported a bad pid: ${JSON.stringify(line)}`));
    };
    stream.on('data', onData);
  });
}

interface EndWatch { fail: ((message: string) => void) | null }

/**
 * Fails the pid read if the wrapper ends first. Registered from its own scope: `exited` lives as long as the agent
 * runs, and a closure made inside the reader would keep the reader's stream and timer alive that long.
 */
function failWhenEnded(exited: Promise<ExitInfo>, watch: EndWatch): void {
  void exited.then((e) => watch.fail?.(`the agent wrapper ended before starting the agent (${e.signal ?? e.exitCode})`));
}

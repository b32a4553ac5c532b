// Starts the daemon in the background for this RCD_HOME, the way pm2 does: detached (its own session, so
// closing this terminal changes nothing), stdio to its log file, then waits until it answers.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { RcdError } from '../common/errors.js';
import { ensurePrivateDir, type Layout } from '../common/paths.js';

// A cold start (database migrations on a slow disk) takes well under a second; ten is generous even on CI.
export const DAEMON_START_TIMEOUT_MS = 10_000;
const PROBE_INTERVAL_MS = 15;

/** The script to run as `<node> <script> daemon`: the CLI entry this process was started with. */
function entryScript(): string {
  return process.argv[1] as string;
}

export async function startDaemon(paths: Layout, probe: () => Promise<unknown>): Promise<void> {
  ensurePrivateDir(paths.home);
  ensurePrivateDir(paths.logs);
  const out = openSync(paths.daemonOut, 'a', 0o600);
  let exitedEarly: number | null = null;
  try {
    const child = spawn(process.execPath, [...process.execArgv, entryScript(), 'daemon'], {
      detached: true,
      stdio: ['ignore', out, out],
      env: process.env,
    });
    // Exit 1 here usually means another CLI's daemon won the race for the lock; that one will answer.
    child.once('exit', (code) => {
      exitedEarly = code ?? 1;
    });
    child.unref();
  } finally {
    closeSync(out);
  }
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        const how = exitedEarly === null ? 'did not answer' : `exited with status ${exitedEarly}`;
        throw new RcdError('DAEMON_UNAVAILABLE', `the rcd daemon ${how} within ${DAEMON_START_TIMEOUT_MS / 1000} s; see ${paths.daemonOut} and ${paths.daemonLog}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
    }
  }
}

// Starts the daemon in the background for this RCD_HOME, the way pm2 does: detached (its own session, so
// closing this terminal changes nothing), stdio to its log file, then waits until it answers.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { RcdError } from '../common/errors.js';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../common/daemon-flags.js';
import { ensurePrivateDir, type Layout } from '../common/paths.js';

// A cold start (database migrations on a slow disk) takes well under a second; ten is generous even on CI.
export const DAEMON_START_TIMEOUT_MS = 10_000;
// When the daemon we spawned has exited, another CLI's daemon may still be coming up (it won the lock);
// give it this long to answer before reporting why ours exited.
const AFTER_EXIT_GRACE_MS = 1_500;
const PROBE_INTERVAL_MS = 15;

/** The script to run as `<node> <script> daemon`: the CLI entry this process was started with. */
function entryScript(): string {
  return process.argv[1] as string;
}

export async function startDaemon(paths: Layout, probe: () => Promise<unknown>): Promise<void> {
  ensurePrivateDir(paths.home, 'the state directory (RCD_HOME)');
  ensurePrivateDir(paths.logs, 'the state directory (RCD_HOME)');
  const out = openSync(paths.daemonOut, 'a', 0o600);
  let exitedEarly: number | null = null;
  let exitedAt = 0;
  try {
    const child = spawn(process.execPath, [...process.execArgv, ...DAEMON_NODE_FLAGS, entryScript(), 'daemon'], {
      detached: true,
      stdio: ['ignore', out, out],
      // A daemon started from inside an agent's session must not carry that session's mark, or stopping the
      // session would stop the daemon with it (see src/daemon/process/terminate.ts).
      env: daemonEnv({ ...process.env, RCD_SESSION_ID: undefined }),
    });
    // Exit 1 here usually means another CLI's daemon won the race for the lock; that one will answer.
    child.once('exit', (code) => {
      exitedEarly = code ?? 1;
      exitedAt = Date.now();
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
      if (err instanceof RcdError) throw err; // the socket was refused as unsafe: waiting changes nothing
      if (exitedEarly !== null && exitedEarly !== 0 && Date.now() - exitedAt > AFTER_EXIT_GRACE_MS) {
        const why = lastLine(paths.daemonOut);
        // Lost the lock to another daemon: that one is still starting; keep waiting for it until the deadline.
        if (!why?.includes('already runs')) {
          throw new RcdError('DAEMON_UNAVAILABLE', why ?? `the rcd daemon exited with status ${exitedEarly}; see ${paths.daemonLog}`, { cause: err });
        }
      }
      if (Date.now() > deadline) {
        const how = exitedEarly === null ? 'did not answer' : `exited with status ${exitedEarly}`;
        throw new RcdError('DAEMON_UNAVAILABLE', `the rcd daemon ${how} within ${DAEMON_START_TIMEOUT_MS / 1000} s; see ${paths.daemonOut} and ${paths.daemonLog}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
    }
  }
}

/** The daemon's last words (its start-up error), without the "rcd: " prefix it already carries. */
function lastLine(file: string): string | null {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.at(-1)?.replace(/^rcd: /, '') || null;
  } catch {
    return null;
  }
}

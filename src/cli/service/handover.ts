// Handing the daemon over to the service manager: stop the daemon that runs now (started in the background by a
// CLI, or by an older service definition) over the socket, then wait for the service's own daemon to answer.
// Agents keep running throughout; the next daemon re-adopts them.
import { setTimeout as sleep } from 'node:timers/promises';
import { RcdError } from '../../common/errors.js';
import { DAEMON_START_TIMEOUT_MS } from '../autostart.js';
import type { DaemonClient as Client } from '../context.js';

// The daemon flushes its database and log before exiting: well under a second normally (as `rcd shutdown`).
const SHUTDOWN_WAIT_MS = 10_000;
const POLL_MS = 25;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const unavailable = (err: unknown) => err instanceof RcdError && err.code === 'DAEMON_UNAVAILABLE';

/** Stops the running daemon (if any) and waits until it is gone; returns its pid, or null when none ran. */
export async function stopDaemon(client: Client): Promise<number | null> {
  let pid: number;
  try {
    ({ pid } = await client.call('shutdown', {}));
  } catch (err) {
    if (unavailable(err)) return null;
    throw err;
  }
  const deadline = Date.now() + SHUTDOWN_WAIT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new RcdError('INTERNAL', `the daemon (pid ${pid}) is still running ${SHUTDOWN_WAIT_MS / 1000} s after it was asked to stop`);
    await sleep(POLL_MS);
  }
  return pid;
}

/** Waits until a daemon answers on the socket (the client must not start one itself); returns its pid. */
export async function waitForDaemon(client: Client, hint: string, timeoutMs = DAEMON_START_TIMEOUT_MS): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await client.call('status', {})).daemon.pid;
    } catch (err) {
      if (!unavailable(err)) throw err;
      if (Date.now() > deadline) {
        throw new RcdError('DAEMON_UNAVAILABLE', `the service started, but its daemon did not answer within ${timeoutMs / 1000} s; see ${hint}`, { cause: err });
      }
      await sleep(POLL_MS * 4);
    }
  }
}

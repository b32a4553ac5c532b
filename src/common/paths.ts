// Where rcd keeps its state, and where its control socket lives. Shared by the CLI and the daemon,
// which must agree on both without talking to each other first.
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL; stay under the smaller.
export const MAX_SOCKET_PATH_BYTES = 103;

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RCD_HOME) return resolve(env.RCD_HOME);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'rcd');
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(resolve(state), 'rcd');
}

export interface Layout {
  home: string;
  socket: string;
  db: string;
  lock: string;
  pidFile: string;
  config: string;
  logs: string;
  daemonLog: string;
  daemonOut: string;
  sessions: string;
}

export function layout(home: string, env: NodeJS.ProcessEnv = process.env): Layout {
  const logs = join(home, 'logs');
  return {
    home,
    socket: socketPath(home, env),
    db: join(home, 'rcd.db'),
    lock: join(home, 'daemon.lock'),
    pidFile: join(home, 'daemon.pid'),
    config: join(home, 'config.json'),
    logs,
    daemonLog: join(logs, 'daemon.log'),
    daemonOut: join(logs, 'daemon.out'),
    sessions: join(home, 'sessions'),
  };
}

/**
 * The socket sits in RCD_HOME when the path fits; otherwise in a short per-user directory named by a hash of
 * RCD_HOME, so every CLI and daemon for the same home computes the same place.
 */
export function socketPath(home: string, env: NodeJS.ProcessEnv = process.env): string {
  const inHome = join(home, 'rcd.sock');
  if (Buffer.byteLength(inHome) <= MAX_SOCKET_PATH_BYTES) return inHome;
  const tag = fnv1a64(home);
  const base = env.XDG_RUNTIME_DIR && Buffer.byteLength(env.XDG_RUNTIME_DIR) < 60
    ? join(env.XDG_RUNTIME_DIR, 'rcd')
    : join(shortTmp(), `rcd-${process.getuid?.() ?? 'u'}`);
  return join(base, `${tag}.sock`);
}

/**
 * A stable 16-hex-digit tag for a path (FNV-1a, 64 bit). Not a security measure, only a short unique name; it
 * spares every CLI start the load of node:crypto.
 */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

function shortTmp(): string {
  const t = tmpdir();
  return Buffer.byteLength(t) < 60 ? t : '/tmp';
}

// Whether a place is private to the user is private-dir.ts's concern; re-exported for the many callers that
// take it from here with the layout.
export { ensurePrivateDir } from './private-dir.js';

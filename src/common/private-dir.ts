// Places that must be the user's alone: the state directory and its subdirectories, the relay's data directory,
// and the control socket with its directory. rcd keeps secrets there (the sessions' environments, API keys
// included) and sends them over that socket, so a place another user made, or can enter, is refused — never
// chmod-ed or used: a shared directory (RCD_HOME=/tmp) must keep its mode, and a directory or socket someone
// else planted in /tmp must not receive a byte. Checked with lstat: a symbolic link is never followed.
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RcdError } from './errors.js';

// Group and other permission bits: any of them lets someone else into a directory rcd keeps secrets in.
const NOT_OWNER_BITS = 0o077;

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/** Why `path` is not a directory private to this user (a real directory, ours, mode 0700), or null if it is. Throws ENOENT when missing. */
export function privateDirProblem(path: string): string | null {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isDirectory()) return 'it is not a directory';
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `it belongs to another user (uid ${st.uid}; you are uid ${uid})`;
  if ((st.mode & NOT_OWNER_BITS) !== 0) return `its mode is ${octal(st.mode)}, so other users can enter it`;
  return null;
}

/**
 * Creates `dir` (and missing parents) with mode 0700, or checks that an existing one is private to this user.
 * An existing directory is never chmod-ed: refusing says what is wrong instead of changing a mode someone relies on.
 * `role` names it in the refusal ("the state directory (RCD_HOME)").
 */
export function ensurePrivateDir(dir: string, role?: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = privateDirProblem(dir);
  if (problem) {
    throw new RcdError(
      'CONFLICT',
      `${role ? `${role} ` : ''}${dir} is not private to you (${problem}) and rcd keeps secrets there; use a directory only you can enter ` +
        '(mode 0700), or a new path (rcd creates it with mode 0700)',
    );
  }
}

/** What to do when the socket's directory is unsafe: where it lives decides which setting moves it. */
function socketRemedy(socket: string, home: string): string {
  if (dirname(socket) === home) return 'set RCD_HOME to a directory only you can enter (mode 0700)';
  return 'set RCD_HOME to a shorter path (the socket then lives in it) or XDG_RUNTIME_DIR to a private directory of yours';
}

function unsafeSocket(what: string, problem: string, socket: string, home: string): RcdError {
  return new RcdError(
    'CONFLICT',
    `refusing to use ${what}: ${problem}, so another user could be listening there for what rcd sends ` +
      `(your environment, API keys included); ${socketRemedy(socket, home)}`,
  );
}

/** The daemon, before it binds: creates the socket's directory 0700 or refuses one that is not private to this user. */
export function ensureSocketDir(socket: string, home: string): void {
  const dir = dirname(socket);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = privateDirProblem(dir);
  if (problem) throw unsafeSocket(`the control socket's directory ${dir}`, problem, socket, home);
}

/**
 * The CLI, before it sends anything: the socket's directory must be private to this user and the socket ours.
 * Inside a private directory nobody else can swap the socket between this check and the connect. A missing
 * directory or socket throws the ENOENT error, which the client reads as "no daemon yet".
 */
export function checkSocket(socket: string, home: string): void {
  const dir = dirname(socket);
  const problem = privateDirProblem(dir);
  if (problem) throw unsafeSocket(`the control socket's directory ${dir}`, problem, socket, home);
  const st = lstatSync(socket);
  const uid = process.getuid?.();
  if (st.isSymbolicLink()) throw unsafeSocket(`the control socket ${socket}`, 'it is a symbolic link', socket, home);
  if (uid !== undefined && st.uid !== uid) {
    throw unsafeSocket(`the control socket ${socket}`, `it belongs to another user (uid ${st.uid}; you are uid ${uid})`, socket, home);
  }
}

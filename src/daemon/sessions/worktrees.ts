// Git worktrees for sessions (`rcd start --worktree`): several agents on one repository, each in a directory and on a
// branch of its own. Worktrees live under RCD_HOME/worktrees, not inside the repository (a worktree inside it would
// overlap the main one and fall foul of one-session-per-directory) nor beside it (rcd would be writing where the user
// keeps their projects). git is run without a shell; its own words are passed on when it refuses.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RcdError } from '../../common/errors.js';
import { fnv1a64 } from '../../common/paths.js';
import type { Worktree } from '../../store/sessions.js';

// Long enough for `worktree add` to check out a large tree.
const GIT_TIMEOUT_MS = 120_000;

function git(args: string[], cwd: string): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new RcdError('BAD_REQUEST', '--worktree needs git, which is not on the daemon\'s PATH'));
        return;
      }
      resolve({ ok: !error, out: String(stdout).trim(), err: String(stderr).trim() });
    });
  });
}

/** What git said, for an error message: its `fatal:`/`error:` line when there is one (progress lines come first). */
function said(r: { err: string; out: string }): string {
  const lines = (r.err || r.out).split('\n').filter((l) => l.trim());
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[lines.length - 1] ?? 'no reason given';
}

// Changes to one repository's worktrees and branches, one at a time: git takes a lock on the repository's config and
// refs for each, and a second `worktree add` beside a running one fails on it ("could not lock config file") when
// several sessions start at once.
const queues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(repo: string, work: () => Promise<T>): Promise<T> {
  const before = queues.get(repo) ?? Promise.resolve();
  const p = before.catch(() => undefined).then(work);
  const tail = p.catch(() => undefined);
  queues.set(repo, tail);
  void tail.then(() => {
    if (queues.get(repo) === tail) queues.delete(repo);
  });
  return p;
}

/**
 * Adds a worktree of the repository holding `dir`, on a new branch from its current HEAD (`branch`, by default
 * `rcd/<name>`). Refuses a directory that is not in a repository and a branch that exists; the user's own worktree
 * is never changed.
 */
export async function addWorktree(root: string, dir: string, name: string, branch?: string): Promise<Worktree> {
  const top = await git(['rev-parse', '--show-toplevel'], dir);
  if (!top.ok) throw new RcdError('BAD_REQUEST', `${dir} is not in a git repository, so --worktree has nothing to branch from (${said(top)})`);
  const repo = realpathSync.native(top.out);
  const b = branch ?? `rcd/${name}`;
  const valid = await git(['check-ref-format', '--branch', b], repo);
  if (!valid.ok) throw new RcdError('BAD_REQUEST', `${b} is not a valid branch name`);
  return oneAtATime(repo, () => add(root, repo, name, b));
}

async function add(root: string, repo: string, name: string, b: string): Promise<Worktree> {
  if ((await git(['show-ref', '--verify', '--quiet', `refs/heads/${b}`], repo)).ok) {
    throw new RcdError('CONFLICT', `branch ${b} exists already in ${repo}; pick another with --branch (rcd never reuses a branch: its work could be someone's)`);
  }
  const parent = join(root, `${basename(repo)}-${fnv1a64(repo).slice(0, 8)}`);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const path = join(parent, name);
  if (existsSync(path)) throw new RcdError('CONFLICT', `${path} exists already; rcd rm the session that used it, or pick another --name`);
  const added = await git(['worktree', 'add', '-b', b, path, 'HEAD'], repo);
  if (!added.ok) throw new RcdError('BAD_REQUEST', `git worktree add refused: ${said(added)}`);
  return { path: realpathSync.native(path), branch: b, repo };
}

/** Whether a worktree holds work not committed (changes or untracked files), is clean, or is gone. */
export async function worktreeState(w: Worktree): Promise<'clean' | 'dirty' | 'gone'> {
  if (!existsSync(w.path)) return 'gone';
  const st = await git(['status', '--porcelain'], w.path);
  if (!st.ok) return 'gone';
  return st.out === '' ? 'clean' : 'dirty';
}

/** Removes the worktree (its branch stays); `force` also when it holds uncommitted work. */
export function removeWorktree(w: Worktree, force: boolean): Promise<void> {
  return oneAtATime(w.repo, async () => {
    const r = await git(['worktree', 'remove', ...(force ? ['--force', '--force'] : []), w.path], w.repo);
    if (!r.ok && existsSync(w.path)) throw new RcdError('INTERNAL', `git worktree remove ${w.path} failed: ${said(r)}`);
    await git(['worktree', 'prune'], w.repo);
  });
}

/** Undoes addWorktree after a start that failed: the worktree and the branch it made (no commit is on it yet). */
export function discardWorktree(w: Worktree): Promise<void> {
  return oneAtATime(w.repo, async () => {
    await git(['worktree', 'remove', '--force', w.path], w.repo);
    await git(['branch', '-D', w.branch], w.repo);
  });
}

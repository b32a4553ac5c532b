// Starting a session, as `rcd start` and `rcd remote start` both do: in the directory asked for, or with `worktree`
// in a git worktree of its own made first (and undone if the session cannot start).
import { join } from 'node:path';
import type { RequestOf } from '../../protocol/api.js';
import type { SessionOrigin, SessionRecord } from '../../store/sessions.js';
import type { Supervisor } from './supervisor.js';
import { defaultName } from './session-name.js';
import { canonicalDir } from './workdir.js';
import { addWorktree, discardWorktree } from './worktrees.js';

export interface StartDeps {
  supervisor: Supervisor;
  /** RCD_HOME: worktrees are made under it. */
  home: string;
  newSessionId(): string;
}

export async function startSession(d: StartDeps, req: RequestOf<'start'>, origin: SessionOrigin = 'local'): Promise<SessionRecord> {
  if (!req.worktree) return d.supervisor.start(req, () => d.newSessionId(), null, origin);
  const taken = new Set(d.supervisor.list().map((s) => s.name));
  const name = req.name ?? defaultName(canonicalDir(req.cwd), (n) => taken.has(n));
  const worktree = await addWorktree(join(d.home, 'worktrees'), canonicalDir(req.cwd), name, req.branch);
  try {
    return await d.supervisor.start({ ...req, cwd: worktree.path, name }, () => d.newSessionId(), worktree, origin);
  } catch (err) {
    await discardWorktree(worktree);
    throw err;
  }
}

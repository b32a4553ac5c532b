// `rcd start`: create a session and spawn its agent; with --worktree, in a git worktree of its own made first (and
// undone if the session cannot start).
import { join } from 'node:path';
import type { Handler } from '../context.js';
import { defaultName } from '../../sessions/session-name.js';
import { canonicalDir } from '../../sessions/workdir.js';
import { addWorktree, discardWorktree } from '../../sessions/worktrees.js';

export const start: Handler<'start'> = async (req, ctx) => {
  if (!req.worktree) return { session: ctx.supervisor.view(await ctx.supervisor.start(req, ctx.newSessionId)) };
  const taken = new Set(ctx.supervisor.list().map((s) => s.name));
  const name = req.name ?? defaultName(canonicalDir(req.cwd), (n) => taken.has(n));
  const worktree = await addWorktree(join(ctx.home, 'worktrees'), canonicalDir(req.cwd), name, req.branch);
  try {
    const session = await ctx.supervisor.start({ ...req, cwd: worktree.path, name }, ctx.newSessionId, worktree);
    return { session: ctx.supervisor.view(session) };
  } catch (err) {
    await discardWorktree(worktree);
    throw err;
  }
};

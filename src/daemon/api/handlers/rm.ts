// `rcd rm`: forget a session that is not running, with its history and files; a worktree rcd made for it goes too
// when it is clean (its branch stays), and stays, with the session, when it holds uncommitted work (--force: goes).
import { RcdError } from '../../../common/errors.js';
import { LIVE_STATES } from '../../../protocol/session.js';
import type { Handler } from '../context.js';
import { removeWorktree, worktreeState } from '../../sessions/worktrees.js';

export const rm: Handler<'rm'> = async (req, ctx) => {
  const found = ctx.supervisor.resolve(req.session);
  const w = found.worktree;
  let removed = false;
  if (w) {
    // Asked before touching the worktree: the agent may still be writing in it.
    if (LIVE_STATES.includes(found.state)) throw new RcdError('CONFLICT', `session ${found.name} is ${found.state}; stop it first with \`rcd stop ${found.name}\``);
    const state = await worktreeState(w);
    if (state === 'dirty' && !req.force) {
      throw new RcdError('CONFLICT', `the worktree ${w.path} (branch ${w.branch}) has uncommitted work; the session and the worktree are kept. Commit it, or \`rcd rm ${found.name} --force\` to remove both`);
    }
    if (state !== 'gone') await removeWorktree(w, req.force);
    removed = state !== 'gone';
  }
  const s = ctx.supervisor.remove(found.id);
  return { id: s.id, name: s.name, ...(w ? { worktree: { path: w.path, branch: w.branch, removed } } : {}) };
};

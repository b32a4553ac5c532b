// `rcd remote start DEVICE_URL --cwd DIR`: a session started on this machine by a holder of its device URL (control
// scope). Off unless config.json `remoteStartRoots` lists directories; then only in a directory under one of them,
// checked here on the real path: `..` is refused outright, a symlink is followed and judged by where it leads, and a
// directory that does not exist is refused (nothing is created). The agent gets the environment of the newest session
// started locally under the same root (the user's own shell: PATH, API keys), else the daemon's own. Each start, and
// each refusal of a well-formed one, goes into the audit trail (`rcd approvals --audit`).
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import { RcdError } from '../../common/errors.js';
import { requests, type RequestOf } from '../../protocol/api.js';
import type { Config } from '../../protocol/config.js';
import type { DeviceInstructionBody, DeviceInstructionResult } from '../../protocol/instruction-body.js';
import type { ApprovalStore } from '../../store/approvals.js';
import type { SessionRecord, SessionStore } from '../../store/sessions.js';

export interface RemoteStartDeps {
  config: () => Config;
  sessions: SessionStore;
  approvals: ApprovalStore;
  /** Starts a session marked as started remotely (src/daemon/sessions/start-session.ts). */
  start: (req: RequestOf<'start'>) => Promise<SessionRecord>;
  /** The daemon's own environment: what a remote start gets when no session was started locally under its root. */
  daemonEnv: NodeJS.ProcessEnv;
  log: Logger;
}

const under = (dir: string, root: string) => dir === root || dir.startsWith(root.endsWith('/') ? root : `${root}/`);

function realDir(path: string): string | null {
  try {
    const real = realpathSync.native(path);
    return statSync(real).isDirectory() ? real : null;
  } catch {
    return null;
  }
}

/** The real directory `cwd` names and the (real) root it is under; throws why not. */
export function checkRemoteDirectory(cwd: string, roots: readonly string[]): { dir: string; root: string } {
  if (roots.length === 0) {
    throw new RcdError('FORBIDDEN', 'remote start is off on this machine: its owner can allow it under chosen directories with "remoteStartRoots": ["/path/to/projects"] in RCD_HOME/config.json');
  }
  if (!isAbsolute(cwd)) throw new RcdError('BAD_REQUEST', `${cwd} is not an absolute path`);
  if (cwd.split('/').includes('..')) throw new RcdError('BAD_REQUEST', `${cwd} contains "..", which a remote start does not take; give the directory itself`);
  const dir = realDir(cwd);
  if (!dir) throw new RcdError('NOT_FOUND', `${cwd} is not a directory on this machine (a remote start creates none)`);
  for (const r of roots) {
    const root = realDir(r);
    if (root && under(dir, root)) return { dir, root };
  }
  const followed = dir !== cwd.replace(/\/+$/, '') ? ' once its symlinks are followed' : '';
  throw new RcdError('FORBIDDEN', `${cwd} is not under any directory this machine allows remote starts in${followed} (remoteStartRoots: ${roots.join(', ')})`);
}

function startable(path: string, roots: readonly string[]): boolean {
  try {
    checkRemoteDirectory(path, roots);
    return true;
  } catch {
    return false;
  }
}

// A start form lists at most this many directories of one directory.
const MAX_LISTED = 500;

type StartBody = Extract<DeviceInstructionBody, { kind: 'start' }>;

export class RemoteStart {
  constructor(private readonly d: RemoteStartDeps) {}

  /**
   * A start form's picker: the roots, or the subdirectories of `path` (which must pass the same check as a start's
   * directory). Names only, hidden ones left out; nothing is read inside them.
   */
  dirs(path: string | undefined): DeviceInstructionResult & { ok: true } {
    const roots = this.d.config().remoteStartRoots;
    if (path === undefined) {
      checkRemoteDirectory(roots[0] ?? '/', roots); // off: says so, as a start would
      return { ok: true, roots, path: null, dirs: [], more: false };
    }
    const { dir } = checkRemoteDirectory(path, roots);
    const names = readdirSync(dir, { withFileTypes: true })
      // A symlink is offered only when it leads to a directory a start would take.
      .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || (e.isSymbolicLink() && startable(`${dir}/${e.name}`, roots))))
      .map((e) => e.name)
      .sort();
    return { ok: true, roots, path: dir, dirs: names.slice(0, MAX_LISTED), more: names.length > MAX_LISTED };
  }

  /** Starts the session the instruction asks for, or throws why not (after recording the refusal). */
  async run(body: StartBody, instruction: string): Promise<DeviceInstructionResult & { ok: true }> {
    const what = { cwd: body.cwd, agent: body.agent, ...(body.name ? { name: body.name } : {}), ...(body.worktree ? { worktree: true } : {}), by: 'device URL' };
    try {
      const { dir, root } = checkRemoteDirectory(body.cwd, this.d.config().remoteStartRoots);
      const { env, environment } = this.environment(root);
      const req = requests.start.safeParse({
        cwd: dir, agent: body.agent, command: body.command, env, worktree: body.worktree,
        ...(body.name ? { name: body.name } : {}), ...(body.branch ? { branch: body.branch } : {}),
      });
      if (!req.success) throw new RcdError('BAD_REQUEST', req.error.issues.map((i) => `${i.path.join('.') || 'start'}: ${i.message}`).join('; '));
      const s = await this.d.start(req.data);
      this.audit(s.id, instruction, 'started', { ...what, session: s.name });
      this.d.log.info({ session: s.id, instruction, agent: body.agent, worktree: body.worktree }, 'session started remotely');
      return {
        ok: true,
        session: { id: s.id, name: s.name, cwd: s.cwd, agent: s.agent, worktree: s.worktree ? { path: s.worktree.path, branch: s.worktree.branch } : null },
        environment,
      };
    } catch (err) {
      this.audit('', instruction, 'refused', { ...what, error: (err as Error).message });
      throw err;
    }
  }

  /** The environment of the newest session started locally under `root`, else the daemon's own, and which it is. */
  private environment(root: string): { env: Record<string, string>; environment: string } {
    for (const s of this.d.sessions.localStarts()) {
      const place = realDir(s.worktree?.repo ?? s.cwd);
      if (place && under(place, root)) return { env: s.env, environment: `that of session ${s.name}, the newest started locally under ${root}` };
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.d.daemonEnv)) if (v !== undefined) env[k] = v;
    return { env, environment: `the daemon's own (no session was started locally under ${root})` };
  }

  private audit(sessionId: string, instruction: string, action: 'started' | 'refused', detail: Record<string, unknown>): void {
    this.d.approvals.recordAction({ at: new Date().toISOString(), sessionId, id: instruction, kind: 'start', action, actor: 'remote', detail: JSON.stringify(detail) });
  }
}

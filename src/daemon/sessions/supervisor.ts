// The supervisor: owns every session's lifecycle (start, run, exit, restart, stop, remove) and keeps the
// database — the truth — in step with the processes. Memory holds only what a process handle needs.
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RcdError } from '../../common/errors.js';
import { removeFile } from '../../common/remove-file.js';
import { LIVE_STATES, type SessionView } from '../../protocol/session.js';
import type { RequestOf } from '../../protocol/api.js';
import { flushWal } from '../../store/db.js';
import type { SessionOrigin, SessionRecord, Worktree } from '../../store/sessions.js';
import { adapterFor } from '../../agents/index.js';
import { sessionFiles, spawnAgent, type AgentRun, type SessionFiles } from '../process/agent-process.js';
import { findExecutable } from '../process/executable.js';
import { describeExit, type ExitInfo } from './restart-policy.js';
import { Restarts } from './restarts.js';
import { resolveSession } from '../process/resolve.js';
import { terminateRun } from '../process/terminate.js';
import { canonicalDir } from './workdir.js';
import { untilState } from './state-wait.js';
import type { LiveRun } from '../process/live-runs.js';
import type { SupervisorDeps } from './supervisor-deps.js';
import { sessionView } from './session-view.js';
import { claimRestart, claimSession } from './claim.js';

const isLive = (s: SessionRecord) => LIVE_STATES.includes(s.state);

// How long `send` waits for a starting or restarting session to run: above the longest restart backoff (60 s).
const SEND_WAIT_MS = 65_000;

export class Supervisor extends EventEmitter {
  private readonly stops = new Map<string, Promise<boolean>>();
  /** Runs being spawned: a stop (or a restart) waits for one to have its process, or to have failed, first. */
  private readonly spawning = new Map<string, Promise<void>>();
  private readonly restarts: Restarts;

  constructor(private readonly d: SupervisorDeps) {
    super();
    this.restarts = new Restarts({
      sessions: d.sessions, events: d.events, config: d.config,
      changed: (id) => this.emit('state', id),
      respawn: (id) => void this.spawnRun(id, 'policy'),
    });
  }

  resolve(ref: string): SessionRecord {
    return resolveSession(this.d.sessions, ref);
  }

  list(): SessionRecord[] {
    return this.d.sessions.list();
  }

  files(id: string): SessionFiles {
    return sessionFiles(join(this.d.sessionsDir, id));
  }

  exists(id: string): boolean {
    return this.d.sessions.get(id) !== undefined;
  }

  isLive(id: string): boolean {
    const s = this.d.sessions.get(id);
    return s !== undefined && isLive(s);
  }

  /** `pending`: the session's pending approvals, when the caller counted them for many sessions at once. */
  view(s: SessionRecord, pending?: number): SessionView {
    return sessionView(s, pending ?? this.d.controls.of(s.agent).pending(s.id).length);
  }

  /**
   * `worktree`: the git worktree made for it (`cwd` is its path), recorded before the agent starts. `origin`: started
   * here or by `rcd remote start` (a remote start takes its environment from the newest local one).
   */
  async start(req: RequestOf<'start'>, newId: () => string, worktree: Worktree | null = null, origin: SessionOrigin = 'local'): Promise<SessionRecord> {
    const adapter = adapterFor(req.agent);
    adapter.validate(req.command);
    const cwd = canonicalDir(req.cwd);
    const id = newId();
    claimSession(this.d.db, this.d.sessions, this.d.config().maxSessions, req, cwd, id, adapter);
    if (worktree) this.d.sessions.setWorktree(id, worktree);
    if (origin !== 'local') this.d.sessions.setOrigin(id, origin);

    const files = this.files(id);
    mkdirSync(files.dir, { recursive: true, mode: 0o700 }); // the wrapper makes the stdin FIFO in it
    this.d.log.info({ session: id, cwd, agent: req.agent }, 'session created');
    await this.spawnRun(id);
    return this.d.sessions.get(id) as SessionRecord;
  }

  /** Takes over a run started by an earlier daemon (or one that already ended: its exit then goes through the policy). */
  adopt(id: string, run: AgentRun, number: number, startedAtMs: number, stopRequested: boolean): void {
    const live: LiveRun = { run, number, startedAtMs, stopRequested };
    this.d.runs.set(id, live);
    this.follow(id, number);
    this.controlOf(id)?.adopted(id);
    void run.exited.then((exit) => this.handleExit(id, live, exit));
  }

  /** Starts a fresh run of a session whose process is gone without a recorded exit (a reboot). Not a restart. */
  restore(id: string, why: string): Promise<void> {
    // What the dead run wrote after the last read belongs to it (an approval it asked for must expire with it),
    // not to the run that replaces it: read it to the end, with that run's line handler, first.
    const s = this.d.sessions.get(id);
    if (s) {
      this.follow(id, s.run);
      this.d.tailer.unfollow(id);
    }
    this.controlOf(id)?.runEnded(id, `the agent's process is gone (${why})`);
    this.d.events.appendState(id, { state: 'restored', why });
    this.d.log.info({ session: id, why }, 'restoring the session with a fresh process');
    return this.spawnRun(id, 'restore');
  }

  /** `policy`: a restart by the restart policy, which retries a missing program instead of failing at once. */
  private spawnRun(id: string, why: 'start' | 'policy' | 'restore' | 'manual' = 'start'): Promise<void> {
    const p = this.doSpawnRun(id, why).finally(() => {
      if (this.spawning.get(id) === p) this.spawning.delete(id);
    });
    this.spawning.set(id, p);
    return p;
  }

  private async doSpawnRun(id: string, why: 'start' | 'policy' | 'restore' | 'manual'): Promise<void> {
    const s = this.d.sessions.get(id);
    if (!s) return;
    const files = this.files(id);
    const number = s.run + 1;
    try {
      canonicalDir(s.cwd);
    } catch (err) {
      return this.fail(s, `cannot enter ${s.cwd}: ${(err as Error).message}`);
    }
    // Planned before every run: a restart finds a binary that was replaced, and claude resumes its conversation.
    const plan = adapterFor(s.agent).launch({ id, cwd: s.cwd, env: s.env, command: s.command, agentSessionId: s.agentSessionId, permissionMode: s.permissionMode }, findExecutable);
    if ('error' in plan) {
      // An auto-updater may be swapping the binary right now: a policy restart keeps trying on its backoff.
      if (why === 'policy') return this.restarts.afterEnd(s, { exitCode: 127, signal: null }, 0, plan.error);
      return this.fail(s, plan.error);
    }
    // Fault injection for the tests of requests that arrive while a run is being spawned.
    if (process.env.RCD_FAULT === 'slow-spawn') await new Promise((r) => setTimeout(r, 1_000));
    let run: AgentRun;
    try {
      // RCD_SESSION_ID marks every process of the session, even those that leave its process tree (see terminate.ts).
      run = await spawnAgent({ files, command: plan.argv, cwd: s.cwd, env: { ...s.env, RCD_SESSION_ID: id } });
    } catch (err) {
      return this.fail(s, (err as Error).message);
    }
    // Fault injection for the test of a daemon dying between a respawn and recording it (recover.ts).
    if (why === 'policy' && process.env.RCD_FAULT === 'crash-after-respawn') process.kill(process.pid, 'SIGKILL');
    const now = new Date();
    const live: LiveRun = { run, number, startedAtMs: Date.now(), stopRequested: false };
    this.d.runs.set(id, live);
    // Watched before anything else can fail: a process we started is never left without its exit handled.
    void run.exited.then((exit) => this.handleExit(id, live, exit));
    this.d.sessions.update(id, {
      state: 'running', pid: run.pid, pidStart: run.pidStart, wrapperPid: run.wrapperPid, run: number,
      exitCode: null, signal: null, reason: null, startedAt: now.toISOString(),
    });
    this.d.sessions.startRun(id, number, run.pid, now.toISOString());
    this.d.events.appendState(id, { state: 'running', pid: run.pid, run: number, ...(plan.resumed ? { resumed: true } : {}) });
    this.follow(id, number);
    this.d.log.info({ session: id, agentPid: run.pid, run: number, resumed: plan.resumed }, 'agent started');
    this.emit('state', id);
  }

  private follow(id: string, run: number): void {
    this.d.tailer.follow(id, this.files(id).output, this.controlOf(id)?.lineHandler(id, run));
  }

  /** The control of the session's agent kind (src/agents/controls.ts); undefined once the session is gone. */
  private controlOf(id: string) {
    const s = this.d.sessions.get(id);
    return s && this.d.controls.of(s.agent);
  }

  private fail(s: SessionRecord, reason: string): void {
    this.d.sessions.update(s.id, { state: 'failed', pid: null, reason });
    this.d.events.appendState(s.id, { state: 'failed', reason });
    this.d.log.warn({ session: s.id, reason }, 'session failed');
    this.emit('state', s.id);
  }

  private handleExit(id: string, live: LiveRun, exit: ExitInfo): void {
    try {
      this.onExit(id, live, exit);
    } catch (err) {
      // Most likely the disk is full. The exit file stays in the session directory, so the next daemon start
      // records this exit; the session is left as the database last saw it rather than half-updated.
      this.d.log.error({ err, session: id, ...exit }, 'could not record the end of an agent');
      this.d.runs.delete(id);
      this.emit('state', id);
    }
  }

  private onExit(id: string, live: LiveRun, exit: ExitInfo): void {
    this.d.tailer.unfollow(id);
    this.d.runs.delete(id);
    // The pid file now names no process of ours: recovery must not mistake it for a respawn's (recover.ts).
    removeFile(this.files(id).agentPid);
    const s = this.d.sessions.get(id);
    if (!s) return;
    this.d.controls.of(s.agent).runEnded(id, `the agent's process ended (${describeExit(exit)})`);
    const at = new Date().toISOString();
    this.d.sessions.endRun(id, live.number, { ...exit, reason: null, at });
    this.d.log.info({ session: id, agentPid: live.run.pid, ...exit }, 'agent ended');
    if (live.stopRequested) {
      this.d.sessions.update(id, { pid: null, exitCode: exit.exitCode, signal: exit.signal, state: 'stopped', reason: null });
      this.d.events.appendState(id, { state: 'stopped', ...exit });
      this.emit('state', id);
    } else {
      this.restarts.afterEnd(s, exit, Date.now() - live.startedAtMs);
    }
  }

  /**
   * `rcd restart`: a fresh run of a session, live or not (a live one is stopped first), with the same id, name,
   * URL and, for claude, conversation. The directory rule and the cap apply as at start.
   */
  async restart(id: string): Promise<SessionRecord> {
    if (this.isLive(id)) await this.stop(id);
    claimRestart(this.d.db, this.d.sessions, this.d.config().maxSessions, id);
    this.restarts.forget(id); // a deliberate restart starts the backoff and the start limit afresh
    this.d.events.appendState(id, { state: 'starting', why: 'rcd restart' });
    this.d.log.info({ session: id }, 'session restarted by the user');
    this.emit('state', id);
    await this.spawnRun(id, 'manual');
    return this.d.sessions.get(id) as SessionRecord;
  }

  /** Stops a session and everything it started. Resolves false when it was not running. */
  stop(id: string): Promise<boolean> {
    const pending = this.stops.get(id);
    if (pending) return pending;
    const p = this.doStop(id).finally(() => this.stops.delete(id));
    this.stops.set(id, p);
    return p;
  }

  private async doStop(id: string): Promise<boolean> {
    // A run being spawned (a start, a restart, a policy respawn) gets its process or fails first; stopping it
    // then is the ordinary stop. Answering "stopped" meanwhile would let the spawn bring it back.
    await this.spawning.get(id)?.catch(() => undefined); // a spawn that threw has said so to its own caller
    const s = this.d.sessions.get(id);
    if (!s || !isLive(s)) return false;
    const live = this.d.runs.get(id);
    if (this.restarts.cancel(id) || !live) {
      // Waiting out a restart backoff, or nothing runs for it: there is no process to stop.
      this.d.sessions.update(id, { state: 'stopped', pid: null, reason: null });
      this.d.events.appendState(id, { state: 'stopped' });
      this.emit('state', id);
      return true;
    }
    live.stopRequested = true;
    this.d.sessions.update(id, { state: 'stopping' });
    this.emit('state', id);
    await this.d.controls.of(s.agent).beforeStop(id);
    await terminateRun(live.run, id, this.d.config().stopGraceMs, this.d.log.child({ session: id }));
    await live.run.exited;
    return true;
  }

  isRunning(id: string): boolean {
    return this.d.runs.isRunning(id);
  }

  /**
   * `rcd send` and remote prompts: text to the agent, encoded by its adapter. A session on its way up (a spawn, a
   * restart's backoff) gets it once it runs rather than an error.
   */
  async send(id: string, text: string): Promise<number> {
    const coming = () => ['starting', 'restarting'].includes(this.d.sessions.get(id)?.state ?? '');
    if (coming()) await untilState(this, id, () => !coming(), SEND_WAIT_MS);
    return this.d.input.send(id, text);
  }

  remove(id: string): SessionRecord {
    const s = this.d.sessions.get(id);
    if (!s) throw new RcdError('NOT_FOUND', `no session ${id}`);
    if (isLive(s)) throw new RcdError('CONFLICT', `session ${s.name} is ${s.state}; stop it first with \`rcd stop ${s.name}\``);
    this.d.sessions.delete(id);
    this.restarts.forget(id);
    // Its environment (API keys) is in the row's old versions in the WAL and in session.json: both go now.
    if (!flushWal(this.d.db)) this.d.log.warn({ session: id }, 'the WAL checkpoint after rm did not complete; it runs again at the next upkeep');
    rmSync(this.files(id).dir, { recursive: true, force: true });
    this.d.log.info({ session: id }, 'session removed');
    this.emit('removed', id);
    return s;
  }

  /** The daemon is going away: drop timers and handles, leave every agent running. */
  detach(): void {
    this.restarts.close();
    this.d.input.close();
  }
}

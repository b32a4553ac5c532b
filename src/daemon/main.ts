// `rcd daemon`: brings the daemon up (lock, log, config, database, supervisor, socket) and owns the one
// idempotent shutdown. Agents are never stopped by a shutdown: they outlive the daemon by design.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { RcdError } from '../common/errors.js';
import { removeFile } from '../common/remove-file.js';
import { layout, resolveHome } from '../common/paths.js';
import { ensurePrivateDir, ensureSocketDir } from '../common/private-dir.js';
import { relayOrigin } from '../common/relay-url.js';
import { VERSION } from '../common/version.js';
import type { DaemonInfo } from '../protocol/api.js';
import { openState } from './open-state.js';
import { writeSessionFile } from './sessions/session-mirror.js';
import { Notifier } from './remote/notify.js';
import { wireNotices } from './remote/notices.js';
import { ConfigHolder } from './config.js';
import type { HandlerContext } from './api/context.js';
import { acquireLock, type DaemonLock } from './lock.js';
import { createLogger } from './logger.js';
import { createControlServer } from './api/server.js';
import { Supervisor } from './sessions/supervisor.js';
import { Tailer } from './output/tailer.js';
import { recoverSessions } from './sessions/recover.js';
import { wrapperKind } from './process/wrapper.js';
import { HeapShrinker } from './heap-shrink.js';
import { WakeDetector, systemClock } from './wake.js';
import { Upkeep } from './upkeep.js';
import type { RemoteAccess } from './remote/remote-access.js';
import { ApprovalStore } from '../store/approvals.js';
import { AgentControls } from '../agents/controls.js';
import { LiveRuns } from './process/live-runs.js';
import { SessionInput } from './sessions/session-input.js';
import { startSession } from './sessions/start-session.js';
import { sessionFiles } from './process/agent-process.js';

// How refusals name RCD_HOME and the directories under it.
const STATE_DIR = 'the state directory (RCD_HOME)';
// How often the daemon checks that its socket still exists.
const HOME_CHECK_MS = 5_000;

export async function runDaemon(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  process.umask(0o077); // database, logs, socket and session files are the owner's alone
  const paths = layout(resolveHome(env), env);
  try {
    ensurePrivateDir(paths.home, STATE_DIR);
    ensurePrivateDir(paths.logs, STATE_DIR);
    ensurePrivateDir(paths.sessions, STATE_DIR);
  } catch (err) {
    // A refusal (not private to us) names the directory and what to do itself; a failed mkdir does not.
    const why = err instanceof RcdError ? err.message : `cannot use ${paths.home} as the state directory: ${(err as Error).message}; set RCD_HOME to a writable directory`;
    process.stderr.write(`rcd: ${why}\n`);
    process.exit(1);
  }
  // Before anything else runs: a socket directory another user made (a long RCD_HOME puts it in /tmp) is refused,
  // never bound in, so no CLI of ours is led to talk there.
  try {
    ensureSocketDir(paths.socket, paths.home);
  } catch (err) {
    process.stderr.write(`rcd: ${(err as Error).message}\n`);
    process.exit(1);
  }

  let lock: DaemonLock;
  try {
    lock = acquireLock(paths.lock, paths.pidFile);
  } catch (err) {
    if (err instanceof RcdError && err.code === 'ALREADY_RUNNING') {
      process.stderr.write(`rcd: ${err.message}; use it, or stop it with \`rcd shutdown\`\n`);
      process.exit(1);
    }
    throw err;
  }

  const startedAt = new Date().toISOString();
  let configHolder: ConfigHolder | null = null;
  let onTimeoutSetting = () => {}; // set once approvals exist, below
  const logger = createLogger(paths.daemonLog, 'info');
  const log = logger.log;
  configHolder = new ConfigHolder(paths.config, env, (config, error) => {
    log.level = config.logLevel;
    onTimeoutSetting(); // approvalTimeoutMs may have changed
    if (error) log.error({ error }, 'config file rejected; keeping the previous settings');
    else log.info({ maxSessions: config.maxSessions, stopGraceMs: config.stopGraceMs, logLevel: config.logLevel }, 'config reloaded');
  });
  const config = configHolder;
  log.level = config.get().logLevel;
  if (config.error()) log.error({ error: config.error() }, 'config file rejected; using defaults');

  const state = openState(paths.db, paths.sessions, config.get().retentionBytes, log);
  const { db, sessions, events } = state;
  const tailer = new Tailer(events, (err, session) => log.error({ err, session }, 'reading agent output failed'));
  const approvals = new ApprovalStore(db);
  const runs = new LiveRuns(sessions);
  const input = new SessionInput({ sessions, isRunning: (id) => runs.isRunning(id), stdinOf: (id) => sessionFiles(join(paths.sessions, id)).stdin });
  const controls = new AgentControls({
    approvals, events, log,
    io: { get: (id) => sessions.get(id), write: (id, data) => input.write(id, data), isRunning: (id) => runs.isRunning(id), setMode: (id, mode) => sessions.update(id, { permissionMode: mode }) },
    timeoutMs: () => config.get().approvalTimeoutMs,
  });
  const supervisor = new Supervisor({ db, sessions, events, tailer, sessionsDir: paths.sessions, config: () => config.get(), log, runs, input, controls });
  onTimeoutSetting = () => controls.configChanged();
  // A request asked for or decided changes the session's view (pendingApprovals): tell whoever mirrors it.
  controls.on('changed', (id: string) => supervisor.emit('state', id));
  supervisor.on('state', (id: string) => {
    const record = sessions.get(id);
    if (!record) return;
    try {
      writeSessionFile(supervisor.files(id).dir, record);
    } catch (err) {
      log.warn({ err, session: id }, 'could not write the session file');
    }
  });

  const newSessionId = () => randomBytes(8).toString('hex');
  const relayUrl = config.get().relayUrl;
  let remote: RemoteAccess | null = null;
  let linkError: string | null = null;
  if (relayUrl) {
    try {
      // Loaded only when a relay is configured: a daemon without one never runs the link's code.
      const { RemoteAccess } = await import('./remote/remote-access.js');
      const { RemoteStart } = await import('./remote/remote-start.js');
      const remoteStart = new RemoteStart({
        config: () => config.get(), sessions, approvals, daemonEnv: process.env, log,
        start: (req) => startSession({ supervisor, home: paths.home, newSessionId }, req, 'remote'),
      });
      remote = new RemoteAccess(relayUrl, db, events, supervisor, controls, tailer, log, remoteStart);
    } catch (err) {
      linkError = (err as Error).message;
      log.error({ error: linkError }, 'relay link not started');
    }
  }
  const heap = new HeapShrinker();
  // A wake makes the link rebuild its connections at once instead of waiting out a dead socket or a backoff.
  const wake = new WakeDetector((e) => {
    log.info({ gapMs: Math.round(e.gapMs), cause: e.cause }, 'wake detected');
    remote?.link.wake();
  }, systemClock, () => heap.beat());

  const upkeep = new Upkeep({
    db, events, log,
    retentionBytes: () => config.get().retentionBytes,
    liveOutputs: () => sessions.listLive().map((s) => ({ sessionId: s.id, path: supervisor.files(s.id).output })),
    rotateLogs: () => logger.rotate(),
  });

  let shuttingDown = false;
  const info = (): DaemonInfo => ({
    pid: process.pid, version: VERSION, startedAt, socket: paths.socket, home: paths.home, agentWrapper: wrapperKind(),
    wakeCount: wake.count, lastWakeAt: wake.lastWakeAt?.toISOString() ?? null,
    link: remote
      ? { state: remote.link.state, relay: remote.link.origin.origin, reconnects: remote.link.reconnects, pollsRefused: remote.link.pollsRefused, error: remote.link.error }
      : { state: 'off', relay: relayUrl ? relayOrigin(relayUrl) : null, reconnects: 0, pollsRefused: 0, error: linkError },
    configError: config.error(),
    warnings: state.warning ? [state.warning] : [],
  });

  const ctx: HandlerContext = {
    supervisor, events, tailer, log, remote, approvals, controls, daemonInfo: info,
    newSessionId,
    home: paths.home,
    shutdown: (reason) => void shutdown(reason),
  };
  const server = createControlServer(ctx, log);

  async function shutdown(reason: string, code = 0): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ reason }, 'shutting down; agents keep running');
    server.close();
    server.closeAllConnections();
    wake.stop();
    await upkeep.stop();
    await remote?.link.close();
    supervisor.detach();
    controls.close();
    for (const s of sessions.listLive()) tailer.drain(s.id, supervisor.files(s.id).output);
    tailer.close();
    await config.close();
    try {
      db.close();
    } catch (err) {
      log.error({ err }, 'closing the database failed');
    }
    log.info({ reason }, 'daemon stopped');
    logger.flush();
    lock.release();
    process.exit(code);
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => config.reload());
  process.on('SIGUSR2', () => {
    log.info('SIGUSR2: rebuilding the relay link');
    remote?.link.wake();
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    void shutdown('uncaught exception', 1);
  });
  // A rejected promise nobody awaited is a bug in one code path, not a broken daemon: log it and keep serving.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  // Webhooks (config.json notify): told of requests, turns and ends from here on (an agent found ended by the
  // recovery below included); nothing is sent when none is set.
  const notifier = new Notifier(() => config.get().notify, log.child({ component: 'notify' }));
  wireNotices(notifier, supervisor, controls, (id) => sessions.get(id));
  const recoveryStart = systemClock.mono();
  const recovered = await recoverSessions(supervisor, sessions, log);
  log.info({ ...recovered, ms: Math.round(systemClock.mono() - recoveryStart) }, 'sessions recovered');

  // The lock is ours and the socket's directory private to us (checked at start), so a socket file still there
  // belongs to a dead daemon. Checked again here: the directory may have been removed meanwhile.
  ensureSocketDir(paths.socket, paths.home);
  removeFile(paths.socket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(paths.socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(paths.socket, 0o600);
  // If RCD_HOME is deleted under a running daemon, the next CLI starts a fresh daemon there; this one must not
  // linger beside it. A missing socket file is the sign (checked every few seconds; agents keep running).
  const homeCheck = setInterval(() => {
    if (!existsSync(paths.socket)) void shutdown('its socket was removed (RCD_HOME deleted?)');
  }, HOME_CHECK_MS);
  homeCheck.unref();
  config.watch();
  controls.start(); // only now: every session is recovered, so a due approval's process is known
  wake.start();
  upkeep.start();
  remote?.start();
  log.info({ version: VERSION, socket: paths.socket, home: paths.home, agentWrapper: wrapperKind() }, 'daemon ready');
  process.stdout.write(`rcd daemon ${VERSION} ready (pid ${process.pid}, socket ${paths.socket})\n`);
}

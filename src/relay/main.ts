// `rcd relay`: brings the relay up (data directory, log, database, HTTP(S) server) and owns its one idempotent
// shutdown. `startRelay` is the in-process form (tests, benchmarks, npm start); `runRelay` is the foreground
// command, with signals.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RcdError } from '../common/errors.js';
import { ensurePrivateDir } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import type { RelayContext } from './context.js';
import { createRelayLogger } from './logger.js';
import { Notifier, Presence } from './notifier.js';
import { loadAppFiles } from './pages/app-files.js';
import { loadSessionScript } from './pages/session-script.js';
import { CONNECTIONS_BEYOND_POLLS, checkTransport, originOf, storeWhere, withDefaults, type RelayOptions, type RelayOptionsInput } from './options.js';
import { TokenBuckets } from './rate-limit.js';

// Web Push per daemon: a burst of requests for a person, a few a minute after that.
const PUSH_BURST = 30;
const PUSH_PER_HOUR = 240;
import { createRelayServer } from './server.js';
import { openStores } from './open-stores.js';
import type { RelayStores } from './stores.js';

export { parseRelayArgs } from './options.js';
export type { RelayOptions, RelayOptionsInput } from './options.js';

// How long a shutdown waits for answers in progress (held polls answer at once when woken) before cutting.
const SHUTDOWN_GRACE_MS = 2_000;
const ROTATE_CHECK_MS = 60 * 60 * 1000;
// Events past the retention age go in a sweep this often (an age limit is days; a minute late is nothing).
const SWEEP_EVERY_MS = 60_000;
// File descriptors the relay needs beyond its sockets: the database, its WAL and shm, the log, stdio, libuv's own.
const FDS_BESIDE_SOCKETS = 64;

export interface RunningRelay {
  /** The origin clients use, e.g. http://127.0.0.1:8787 (with the real port when started on port 0). */
  url: string;
  /** Ends held long-polls, stops the server and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function readTls(opts: RelayOptions): { cert: Buffer; key: Buffer } | undefined {
  if (!opts.cert || !opts.key) return undefined;
  try {
    return { cert: readFileSync(opts.cert), key: readFileSync(opts.key) };
  } catch (err) {
    throw new RcdError('BAD_REQUEST', `cannot read the TLS certificate or key: ${(err as Error).message}`, { cause: err });
  }
}

function listenError(err: NodeJS.ErrnoException, opts: RelayOptions): RcdError {
  const where = `${opts.host}:${opts.port}`;
  const message =
    err.code === 'EADDRINUSE' ? `${where} is already in use; stop what listens there or pick another --port`
    : err.code === 'EACCES' ? `not allowed to listen on ${where} (ports below 1024 need privileges); pick another --port`
    : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? `${opts.host} is not an address of this machine; check --host`
    : `cannot listen on ${where}: ${err.message}`;
  return new RcdError('BAD_REQUEST', message, { cause: err });
}

/** The open files limit (RLIMIT_NOFILE) from /proc: soft and hard; null where there is no /proc. */
function openFilesLimit(): { soft: number; hard: number } | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    const n = (v: string) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
    return { soft: n(m[1] as string), hard: n(m[2] as string) };
  } catch {
    return null;
  }
}

/**
 * Every open socket is a file descriptor, and a process past its soft RLIMIT_NOFILE fails to accept (EMFILE) with
 * nothing said. Node cannot set the limit itself, so when the soft limit is below what --max-connections needs and
 * the hard one allows more, prlimit(1) (util-linux) raises this process's soft limit; when that is not possible
 * either, the connection and poll caps shrink to fit and the log says so (a 503 is better than a hang).
 */
function fitOpenFiles(opts: RelayOptions): { soft: number; hard: number; raisedTo: number | null; clamped: boolean } {
  const limit = openFilesLimit();
  const need = opts.maxConnections + FDS_BESIDE_SOCKETS;
  if (!limit || limit.soft >= need) return { soft: limit?.soft ?? 0, hard: limit?.hard ?? 0, raisedTo: null, clamped: false };
  let raisedTo: number | null = null;
  const want = Math.min(limit.hard, need);
  if (want > limit.soft) {
    spawnSync('prlimit', [`--pid=${process.pid}`, `--nofile=${want}:${limit.hard}`], { stdio: 'ignore', timeout: 5_000 });
    const now = openFilesLimit()?.soft ?? limit.soft;
    if (now > limit.soft) raisedTo = now;
  }
  const have = raisedTo ?? limit.soft;
  if (have >= need) return { ...limit, raisedTo, clamped: false };
  opts.maxConnections = Math.max(16, have - FDS_BESIDE_SOCKETS);
  opts.maxLongPolls = Math.max(1, Math.min(opts.maxLongPolls, opts.maxConnections - Math.min(CONNECTIONS_BEYOND_POLLS, Math.floor(opts.maxConnections / 4))));
  return { ...limit, raisedTo, clamped: true };
}

async function launch(input: RelayOptionsInput): Promise<RunningRelay & { log: Logger }> {
  const opts = withDefaults(input);
  checkTransport(opts);
  const tls = readTls(opts);
  loadSessionScript(); // the page's built script: a relay without it fails here, not on a visitor's request
  loadAppFiles(); // and the web app's worker and icons
  try {
    ensurePrivateDir(opts.data);
  } catch (err) {
    throw new RcdError('BAD_REQUEST', `cannot use ${opts.data} as the relay data directory: ${(err as Error).message}; give --data a writable directory`, { cause: err });
  }
  const fds = fitOpenFiles(opts);
  const logger = createRelayLogger(join(opts.data, 'relay.log'), opts.logLevel);
  const log = logger.log;
  let stores: RelayStores;
  let vapid;
  try {
    stores = await openStores(opts, log);
  } catch (err) {
    log.error({ err }, 'cannot open the relay store');
    logger.flush();
    throw err;
  }
  try {
    vapid = await stores.vapidKeys();
  } catch (err) {
    await stores.close();
    log.error({ err }, 'cannot load the Web Push keys');
    logger.flush();
    throw err;
  }
  const notifier = new Notifier(opts.maxLongPolls);
  if (stores.wakeups) notifier.share(stores.wakeups);
  const ctx: RelayContext = {
    sessions: stores.sessions,
    devices: stores.devices,
    events: stores.events,
    instructions: stores.instructions,
    notifier,
    presence: new Presence(stores.presence ?? null, (err) => log.warn({ err }, 'publishing linked daemons to the shared store failed')),
    registrations: new TokenBuckets(opts.registerBurst, opts.registerPerHour),
    uploads: new TokenBuckets(opts.uploadsPerSecond, opts.uploadsPerSecond * 3600),
    log,
    opts,
    startedAt: new Date(),
    push: { keys: vapid, perDaemon: new TokenBuckets(PUSH_BURST, PUSH_PER_HOUR) },
  };
  const { server, inFlight } = createRelayServer(ctx, tls);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await ctx.presence.stop(true);
    await stores.close();
    log.error({ err }, 'cannot listen');
    logger.flush();
    throw listenError(err as NodeJS.ErrnoException, opts);
  }
  const origin = originOf(opts, (server.address() as AddressInfo).port);
  const rotation = setInterval(() => logger.rotate(), ROTATE_CHECK_MS).unref();
  const sweeping = setInterval(() => {
    ctx.events.sweep().then(
      (swept) => {
        if (swept.length > 0) log.info({ sessions: swept.length, keepAgeS: opts.keepAgeS }, 'events past the retention age pruned');
      },
      (err: unknown) => log.error({ err }, 'pruning old events failed'),
    );
  }, SWEEP_EVERY_MS).unref();
  const { maxLongPolls, maxConnections, registerBurst, registerPerHour, trustProxy, maxDaemons, maxSessionsPerDaemon, maxPendingPerUrl, maxEventBytes, uploadsPerSecond } = opts;
  log.info({
    version: VERSION, host: opts.host, port: (server.address() as AddressInfo).port, tls: Boolean(tls), data: opts.data, store: stores.where,
    keep: { events: opts.keepEvents, bytes: opts.keepBytes, ageS: opts.keepAgeS },
    limits: { maxLongPolls, maxConnections, registerBurst, registerPerHour, trustProxy, maxDaemons, maxSessionsPerDaemon, maxPendingPerUrl, maxEventBytes, uploadsPerSecond },
  }, 'relay listening');
  if (fds.raisedTo !== null) log.info({ from: fds.soft, to: fds.raisedTo }, 'raised the open files limit (RLIMIT_NOFILE soft) for --max-connections');
  if (fds.clamped) {
    log.warn({ openFiles: fds.raisedTo ?? fds.soft, hard: fds.hard, maxConnections: opts.maxConnections, maxLongPolls: opts.maxLongPolls },
      'the open files limit is below --max-connections: connections and long-polls are capped to fit (raise it: ulimit -n, or LimitNOFILE= in a systemd unit)');
  }

  let closing: Promise<void> | null = null;
  const settle = () => Promise.race([Promise.allSettled([...inFlight]).then(() => undefined), sleep(SHUTDOWN_GRACE_MS)]);
  const close = (): Promise<void> => {
    closing ??= (async () => {
      server.close();
      ctx.notifier.close(); // held polls answer now, with what they have
      await settle();
      server.closeAllConnections();
      await settle();
      clearInterval(rotation);
      clearInterval(sweeping);
      await ctx.presence.stop(true);
      try {
        await stores.close();
      } catch (err) {
        log.error({ err }, 'closing the store failed');
      }
      log.info('relay stopped');
      logger.flush();
    })();
    return closing;
  };
  return { url: origin, close, log };
}

/** Starts a relay in this process (tests, benchmarks, npm start). Throws RcdError with a message for people. */
export async function startRelay(input: RelayOptionsInput = {}): Promise<RunningRelay> {
  const { url, close } = await launch(input);
  return { url, close };
}

/** `rcd relay` in the foreground: prints where it listens, runs until SIGTERM/SIGINT, then exits 0. */
export async function runRelay(opts: RelayOptionsInput): Promise<void> {
  process.umask(0o077); // the database and the log are the operator's alone
  const relay = await launch(opts);
  let exiting = false;
  const stop = (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    relay.log.info({ reason }, 'shutting down');
    relay.close().then(
      () => process.exit(code),
      (err: unknown) => {
        relay.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    relay.log.fatal({ err }, 'uncaught exception');
    stop('uncaught exception', 1);
  });
  // A rejected promise nobody awaited is a bug in one code path, not a broken relay: log it and keep serving.
  process.on('unhandledRejection', (err) => relay.log.error({ err }, 'unhandled rejection'));
  const { data, store } = withDefaults(opts);
  const where = store ? `store ${storeWhere(store)}, log in ${data}` : `data in ${data}`;
  process.stdout.write(`rcd relay ${VERSION} listening on ${relay.url} (${where})\n`);
}

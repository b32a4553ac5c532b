// `rcd relay` options: flag parsing (usage errors are RcdError 'USAGE', which the entry point turns into exit 2),
// the abuse limits' flags (defaults in limits.ts), and the transport rule that plain http is served only on a
// loopback address.
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { argsProblem } from '../common/args-message.js';
import { RcdError } from '../common/errors.js';
import { isLoopbackHost } from '../common/loopback.js';
import { resolveHome } from '../common/paths.js';
import { DEFAULT_LIMITS, LIMIT_FLAGS, type RelayLimits } from './limits.js';
import { DEFAULT_PUSH_HOSTS } from './push.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;
// About a day of a busy agent's output chunks per session; older ones are pruned (clients are told: `gap`).
export const DEFAULT_KEEP_EVENTS = 100_000;
// Also per session: a few days of a busy agent's sealed output (a line is ~150 bytes stored), and a bound on the
// disk one session can take whatever its event sizes (100,000 events of 64 KiB would be 6.4 GB).
export const DEFAULT_KEEP_BYTES = 64 * 1024 * 1024;
// Events older than this (by the time the daemon gave them) are pruned even when few: a follower needs the recent
// output, and a relay should not keep a month-old transcript because the session was quiet since.
export const DEFAULT_KEEP_AGE_S = 30 * 86_400;
// Held long-polls at once (daemons and browsers together). A held poll costs a socket, a timer and a few KB
// (docs/benchmarks.md, "Relay load": 10,000 daemons and 2,500 followers held polls in ~+60 MB), nothing per
// second while it waits; 20,000 covers the 10,000 daemons of the goal with their followers. Beyond the cap the
// relay answers 503 with retry-after, and a daemon's link retries that poll alone (src/link/link.ts).
export const DEFAULT_MAX_LONG_POLLS = 20_000;
// Open sockets beyond the held polls: uploads, session updates, idle kept-alive connections of daemons and pages.
export const CONNECTIONS_BEYOND_POLLS = 5_000;
// What `--max-connections N` may say; each open socket is a file descriptor (main.ts checks RLIMIT_NOFILE).
export const MAX_CONNECTIONS_LIMIT = 1_000_000;
// Connections to a PostgreSQL store per instance. Held long-polls take none (they wait on wake-ups in memory); a
// request holds one for the milliseconds of its statements, and beyond this many requests queue for one.
export const DEFAULT_STORE_CONNECTIONS = 32;

export interface RelayOptions extends RelayLimits {
  host: string;
  /** 0 picks a free port; the URL that `startRelay` returns has the real one. */
  port: number;
  /** Directory for relay.db (unless `store`), relay.log and vapid.json (unless `store`). */
  data: string;
  /**
   * A PostgreSQL connection URL: the store several relay instances share (pg/), instead of relay.db in `data`.
   * From --store or RCD_RELAY_STORE (the environment keeps a password out of the process list).
   */
  store?: string;
  /** Connections to the PostgreSQL store (its pool's size). */
  storeConnections: number;
  cert?: string;
  key?: string;
  keepEvents: number;
  /** Bytes of event data kept per session (oldest pruned first, as for keepEvents). */
  keepBytes: number;
  /** Events older than this many seconds are pruned (a sweep, main.ts). */
  keepAgeS: number;
  maxLongPolls: number;
  /** Open sockets at once (the server's maxConnections); by default the poll cap plus CONNECTIONS_BEYOND_POLLS. */
  maxConnections: number;
  /** pino level for relay.log. */
  logLevel: string;
  /** Hosts (and their subdomains) of the push services Web Push is delivered to (push.ts). */
  pushHosts: string[];
  /** VAPID `sub`: how a push service reaches the relay's operator (a mailto: or https: URL). */
  pushContact: string;
}

export type RelayOptionsInput = Partial<RelayOptions>;

export function withDefaults(input: RelayOptionsInput, env: NodeJS.ProcessEnv = process.env): RelayOptions {
  return {
    host: input.host ?? DEFAULT_HOST,
    port: input.port ?? DEFAULT_PORT,
    data: input.data ?? join(resolveHome(env), 'relay'),
    ...(input.cert !== undefined ? { cert: input.cert } : {}),
    ...(input.key !== undefined ? { key: input.key } : {}),
    ...((input.store ?? env.RCD_RELAY_STORE) ? { store: checkStore(input.store ?? (env.RCD_RELAY_STORE as string)) } : {}),
    storeConnections: input.storeConnections ?? DEFAULT_STORE_CONNECTIONS,
    keepEvents: input.keepEvents ?? DEFAULT_KEEP_EVENTS,
    keepBytes: input.keepBytes ?? DEFAULT_KEEP_BYTES,
    keepAgeS: input.keepAgeS ?? DEFAULT_KEEP_AGE_S,
    maxLongPolls: input.maxLongPolls ?? DEFAULT_MAX_LONG_POLLS,
    maxConnections: input.maxConnections ?? (input.maxLongPolls ?? DEFAULT_MAX_LONG_POLLS) + CONNECTIONS_BEYOND_POLLS,
    logLevel: input.logLevel ?? 'info',
    pushHosts: input.pushHosts ?? DEFAULT_PUSH_HOSTS,
    pushContact: input.pushContact ?? 'mailto:rcd-relay@invalid',
    registerBurst: input.registerBurst ?? DEFAULT_LIMITS.registerBurst,
    registerPerHour: input.registerPerHour ?? DEFAULT_LIMITS.registerPerHour,
    trustProxy: input.trustProxy ?? DEFAULT_LIMITS.trustProxy,
    maxDaemons: input.maxDaemons ?? DEFAULT_LIMITS.maxDaemons,
    maxSessionsPerDaemon: input.maxSessionsPerDaemon ?? DEFAULT_LIMITS.maxSessionsPerDaemon,
    maxPendingPerUrl: input.maxPendingPerUrl ?? DEFAULT_LIMITS.maxPendingPerUrl,
    maxEventBytes: input.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes,
    establishedAfterMs: input.establishedAfterMs ?? DEFAULT_LIMITS.establishedAfterMs,
    uploadsPerSecond: input.uploadsPerSecond ?? DEFAULT_LIMITS.uploadsPerSecond,
  };
}

const usage = (message: string) => new RcdError('USAGE', message);

/** A PostgreSQL URL (postgres:// or postgresql://); anything else is a usage error that does not echo it (it may hold a password). */
function checkStore(raw: string): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // said below
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
    throw usage('--store (or RCD_RELAY_STORE) takes a PostgreSQL URL, postgres://USER@HOST:PORT/DATABASE; leave it out to keep the store in --data');
  }
  return raw;
}

/** Where a store URL points, without its user or password: for logs and messages. */
export function storeWhere(raw: string): string {
  const url = new URL(raw);
  const host = url.searchParams.get('host') ?? url.host;
  return `postgres://${host}${url.pathname}`;
}

function intFlag(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw usage(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90s", "12h", "30d" -> seconds. */
function durationFlag(name: string, raw: string | undefined, minS: number): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+)([smhd])$/.exec(raw);
  const secs = m ? Number(m[1]) * (UNITS[m[2] as string] as number) : Number.NaN;
  if (!(secs >= minS) || secs > 100 * 365 * 86_400) throw usage(`--${name} takes a duration of at least ${minS} s, like 90m, 12h or 30d (got "${raw}")`);
  return secs;
}

/** Parses `rcd relay` arguments (everything after `relay`). */
export function parseRelayArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RelayOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' },
        cert: { type: 'string' }, key: { type: 'string' }, 'keep-events': { type: 'string' },
        'push-hosts': { type: 'string' }, 'push-contact': { type: 'string' },
        'max-long-polls': { type: 'string' }, 'trust-proxy': { type: 'boolean' }, 'max-connections': { type: 'string' },
        'keep-bytes': { type: 'string' }, store: { type: 'string' }, 'store-connections': { type: 'string' }, 'keep-age': { type: 'string' }, 'established-after': { type: 'string' },
        ...Object.fromEntries(LIMIT_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
      },
    });
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw usage(argsProblem(err));
  }
  const str = (name: string) => values[name] as string | undefined;
  const limits: Partial<RelayLimits> = {};
  for (const f of LIMIT_FLAGS) {
    const n = intFlag(f.flag, str(f.flag), f.min, f.max);
    if (n !== undefined) limits[f.key] = n;
  }
  if (values['trust-proxy'] === true) limits.trustProxy = true;
  const established = durationFlag('established-after', str('established-after'), 0);
  if (established !== undefined) limits.establishedAfterMs = established * 1000;
  const maxLongPolls = intFlag('max-long-polls', str('max-long-polls'), 1, MAX_CONNECTIONS_LIMIT);
  const maxConnections = intFlag('max-connections', str('max-connections'), 16, MAX_CONNECTIONS_LIMIT);
  // Each held poll holds a socket: beyond the server's connection cap (server.ts) the poll cap would never be reached.
  if (maxConnections !== undefined && maxLongPolls !== undefined && maxConnections <= maxLongPolls) {
    throw usage(`--max-connections (${maxConnections}) must be above --max-long-polls (${maxLongPolls}): each held poll holds a connection`);
  }
  const keepBytes = intFlag('keep-bytes', str('keep-bytes'), 64 * 1024, Number.MAX_SAFE_INTEGER);
  const keepAgeS = durationFlag('keep-age', str('keep-age'), 60);
  const [host, data, cert, key, store] = [str('host'), str('data'), str('cert'), str('key'), str('store')];
  if (host !== undefined && host.trim() === '') throw usage('--host must not be empty');
  if (data !== undefined && data.trim() === '') throw usage('--data must not be empty');
  if ((cert === undefined) !== (key === undefined)) throw usage('--cert and --key go together');
  const port = intFlag('port', str('port'), 0, 65535);
  const keepEvents = intFlag('keep-events', str('keep-events'), 1, Number.MAX_SAFE_INTEGER);
  const storeConnections = intFlag('store-connections', str('store-connections'), 1, 1000);
  if (storeConnections !== undefined && store === undefined && !env.RCD_RELAY_STORE) throw usage('--store-connections goes with --store (a PostgreSQL store)');
  const pushHosts = str('push-hosts')?.split(',').map((h) => h.trim()).filter(Boolean);
  if (pushHosts?.length === 0) throw usage('--push-hosts takes a comma-separated list of hosts');
  const pushContact = str('push-contact');
  if (pushContact !== undefined && !/^(mailto:|https:\/\/)\S+$/.test(pushContact)) throw usage('--push-contact is a mailto: or https:// URL');
  return withDefaults({
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(data !== undefined ? { data } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(store !== undefined ? { store } : {}),
    ...(storeConnections !== undefined ? { storeConnections } : {}),
    ...(keepEvents !== undefined ? { keepEvents } : {}),
    ...(maxLongPolls !== undefined ? { maxLongPolls } : {}),
    ...(pushHosts ? { pushHosts } : {}),
    ...(pushContact ? { pushContact } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
    ...(keepBytes !== undefined ? { keepBytes } : {}),
    ...(keepAgeS !== undefined ? { keepAgeS } : {}),
    ...limits,
  }, env);
}

/** Refuses plain http where tokens would cross a network in the clear. */
export function checkTransport(opts: RelayOptions): void {
  if (opts.cert || isLoopbackHost(opts.host)) return;
  throw new RcdError(
    'BAD_REQUEST',
    `refusing to serve plain http on ${opts.host}, which is not a loopback address: session tokens would cross the network unencrypted. ` +
      'Keep --host 127.0.0.1 and put a TLS-terminating proxy (Caddy, nginx) in front of it, or give --cert FILE --key FILE (see README, "The relay")',
  );
}

/** The origin clients use: brackets around an IPv6 literal. */
export function originOf(opts: Pick<RelayOptions, 'host' | 'cert'>, port: number): string {
  const host = isIP(opts.host) === 6 ? `[${opts.host}]` : opts.host;
  return `${opts.cert ? 'https' : 'http'}://${host}:${port}`;
}

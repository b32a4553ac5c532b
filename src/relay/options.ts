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
// Held long-polls at once (daemons and browsers together); each holds a socket and a timer, and beyond this
// many a relay on a small machine is better off saying 503 than slowing down for everybody.
export const DEFAULT_MAX_LONG_POLLS = 1_000;

export interface RelayOptions extends RelayLimits {
  host: string;
  /** 0 picks a free port; the URL that `startRelay` returns has the real one. */
  port: number;
  /** Directory for relay.db and relay.log. */
  data: string;
  cert?: string;
  key?: string;
  keepEvents: number;
  maxLongPolls: number;
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
    keepEvents: input.keepEvents ?? DEFAULT_KEEP_EVENTS,
    maxLongPolls: input.maxLongPolls ?? DEFAULT_MAX_LONG_POLLS,
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
  };
}

const usage = (message: string) => new RcdError('USAGE', message);

function intFlag(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw usage(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
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
        'max-long-polls': { type: 'string' }, 'trust-proxy': { type: 'boolean' },
        'push-hosts': { type: 'string' }, 'push-contact': { type: 'string' },
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
  // Each held poll holds a socket: beyond the server's connection cap (server.ts) the cap would never be reached.
  const maxLongPolls = intFlag('max-long-polls', str('max-long-polls'), 1, 10_000);
  const [host, data, cert, key] = [str('host'), str('data'), str('cert'), str('key')];
  if (host !== undefined && host.trim() === '') throw usage('--host must not be empty');
  if (data !== undefined && data.trim() === '') throw usage('--data must not be empty');
  if ((cert === undefined) !== (key === undefined)) throw usage('--cert and --key go together');
  const port = intFlag('port', str('port'), 0, 65535);
  const keepEvents = intFlag('keep-events', str('keep-events'), 1, Number.MAX_SAFE_INTEGER);
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
    ...(keepEvents !== undefined ? { keepEvents } : {}),
    ...(maxLongPolls !== undefined ? { maxLongPolls } : {}),
    ...(pushHosts ? { pushHosts } : {}),
    ...(pushContact ? { pushContact } : {}),
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

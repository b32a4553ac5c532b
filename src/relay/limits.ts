// The relay's bounds on what its open registration lets anyone use: registrations per client address, daemons in
// all, sessions per daemon, event size, event uploads per daemon and second, instructions waiting per session URL, and the age at which a daemon counts
// as established (its long-polls then come from a share fresh daemons cannot take). Defaults and why; `rcd relay`
// flags override them (options.ts), handlers enforce them.

export interface RelayLimits {
  /** Registrations one client address may make at once (token bucket size). */
  registerBurst: number;
  /** Registrations per hour one address gets back after its burst (token bucket refill). */
  registerPerHour: number;
  /** Take the client address from X-Forwarded-For when the connection comes from loopback (a proxy in front). */
  trustProxy: boolean;
  /** Registered daemons in all. */
  maxDaemons: number;
  /** Sessions one daemon may have on the relay. */
  maxSessionsPerDaemon: number;
  /** Instructions waiting for the daemon (not yet acknowledged) per session URL. */
  maxPendingPerUrl: number;
  /** The `data` of one uploaded event, in characters (output is base64). */
  maxEventBytes: number;
  /** A daemon registered at least this long ago is established (see handlers/long-poll.ts). */
  establishedAfterMs: number;
  /** Event uploads one daemon may make per second, on average (token bucket; a burst of as many again). */
  uploadsPerSecond: number;
}

export const DEFAULT_LIMITS: Readonly<RelayLimits> = {
  // A daemon registers once in its life (again only if the relay lost its data), so ten at once covers someone
  // linking all their machines, and ten an hour after that anyone honest; a script gets 250 identities in a day,
  // not in a second.
  registerBurst: 10,
  registerPerHour: 10,
  // Off: X-Forwarded-For is whatever the client wrote unless a proxy of the operator's wrote it.
  trustProxy: false,
  // Far above a personal or team relay; bounds the rows (and identities) an attacker can pile up.
  maxDaemons: 10_000,
  // A daemon pushes every session it has not removed, exited ones too: a thousand is years of a busy user's.
  maxSessionsPerDaemon: 1_000,
  // Prompts wait here while the daemon is offline; a person sends a few. 100 of at most 64 KiB each bounds one URL
  // at 6.4 MiB, and a leaked URL cannot queue up work without end.
  maxPendingPerUrl: 100,
  // The daemon stores output in 64 KiB chunks (87,382 base64 characters); state events are a few hundred bytes.
  maxEventBytes: 128 * 1024,
  // An hour: a flood of new registrations has to wait that long before its polls may use the established share.
  establishedAfterMs: 3_600_000,
  // The link uploads when events are stored, one request at a time, up to 512 KiB each (src/protocol/relay.ts):
  // a backlog goes up at 50 × 512 KiB = 25 MiB/s, far above any agent, while one daemon cannot take the relay's
  // event loop (the group commit serves ~2,000 uploads a second in all, docs/benchmarks.md "Relay load").
  uploadsPerSecond: 50,
};

/** `rcd relay` flags for the integer limits: flag name, option key, smallest and largest value allowed. */
export const LIMIT_FLAGS: readonly { flag: string; key: Exclude<keyof RelayLimits, 'trustProxy' | 'establishedAfterMs'>; min: number; max: number }[] = [
  { flag: 'register-burst', key: 'registerBurst', min: 1, max: 1_000_000 },
  { flag: 'register-per-hour', key: 'registerPerHour', min: 1, max: 3_600_000 },
  { flag: 'max-daemons', key: 'maxDaemons', min: 1, max: 100_000_000 },
  { flag: 'max-sessions', key: 'maxSessionsPerDaemon', min: 1, max: 1_000_000 },
  { flag: 'max-pending', key: 'maxPendingPerUrl', min: 1, max: 1_000_000 },
  // Below 1 KiB even a state event would not fit; above the upload body cap no event could arrive anyway.
  { flag: 'max-event-bytes', key: 'maxEventBytes', min: 1024, max: 1024 * 1024 },
  { flag: 'max-uploads-per-second', key: 'uploadsPerSecond', min: 1, max: 1_000_000 },
];

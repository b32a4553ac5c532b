// What every relay handler gets: the stores, the long-poll notifier, daemon presence, the registration and upload rate limits,
// the logger and options (with the limits).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Notifier, Presence } from './notifier.js';
import type { RelayOptions } from './options.js';
import type { TokenBuckets } from './rate-limit.js';
import type { DeviceStore, EventStore, InstructionStore, SessionStore } from './stores.js';
import type { VapidKeys } from './push.js';

export interface RelayContext {
  sessions: SessionStore;
  devices: DeviceStore;
  events: EventStore;
  instructions: InstructionStore;
  notifier: Notifier;
  presence: Presence;
  /** Registrations per client address (see rate-limit.ts). */
  registrations: TokenBuckets;
  /** Event uploads per daemon (limits.ts uploadsPerSecond). */
  uploads: TokenBuckets;
  log: Logger;
  opts: RelayOptions;
  /** Web Push (push.ts): the relay's VAPID keys, and notifications per daemon. */
  push: { keys: VapidKeys; perDaemon: TokenBuckets };
  startedAt: Date;
}

/** One endpoint: `params` are the route's captured path segments, `url` the parsed request URL. */
export type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RelayContext, params: string[], url: URL) => Promise<void>;

/** Aborts when the client hangs up before its answer is written (a held long-poll then stops waiting). */
export function clientGone(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

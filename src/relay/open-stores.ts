// Picks the relay's store: the embedded SQLite file in --data (the default), or a PostgreSQL database shared by
// several instances (--store postgres://…). The PostgreSQL driver is loaded only then, so a relay on SQLite does
// not pay for it.
import type { Logger } from 'pino';
import { openSqliteStores } from './sqlite/index.js';
import type { RelayOptions } from './options.js';
import type { RelayStores } from './stores.js';

export async function openStores(opts: RelayOptions, log: Logger): Promise<RelayStores> {
  const keep = { events: opts.keepEvents, bytes: opts.keepBytes, ageMs: opts.keepAgeS * 1000 };
  if (!opts.store) return openSqliteStores(opts.data, keep);
  const { openPgStores } = await import('./pg/index.js');
  return openPgStores(opts.store, keep, log, opts.storeConnections);
}

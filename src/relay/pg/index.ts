// The shared store: a PostgreSQL database that several relay instances use at once (`rcd relay --store
// postgres://…`). Each instance keeps its held requests in memory; what crosses instances is the data (every read
// goes to the database, nothing is cached), the wake-ups (LISTEN/NOTIFY, wakeups.ts) and presence (presence.ts).
import type { Logger } from 'pino';
import { RcdError } from '../../common/errors.js';
import { newVapidKeys, type VapidKeys } from '../push.js';
import { DEFAULT_STORE_CONNECTIONS, storeWhere } from '../options.js';
import type { RelayStores, Retention } from '../stores.js';
import { createPool, migratePg } from './db.js';
import { PgDeviceStore } from './devices.js';
import { PgEventStore } from './events.js';
import { PgInstructionStore } from './instructions.js';
import { PgPresence } from './presence.js';
import { PgSessionStore } from './sessions.js';
import { PgWakeups } from './wakeups.js';

/** The relay's VAPID keys, made by the first instance and read by the others (browsers subscribed with them). */
async function vapidKeys(pool: ReturnType<typeof createPool>): Promise<VapidKeys> {
  await pool.query("INSERT INTO rcd_meta (key, value) VALUES ('vapid', $1) ON CONFLICT (key) DO NOTHING", [JSON.stringify(newVapidKeys())]);
  const row = (await pool.query<{ value: string }>("SELECT value FROM rcd_meta WHERE key = 'vapid'")).rows[0];
  return JSON.parse(row?.value ?? '{}') as VapidKeys;
}

export async function openPgStores(url: string, keep: Retention, log: Logger, connections = DEFAULT_STORE_CONNECTIONS): Promise<RelayStores> {
  const where = storeWhere(url);
  const pool = createPool(url, connections, (err) => log.warn({ err }, 'an idle connection to the store failed'));
  let wakeups: PgWakeups;
  try {
    await migratePg(pool);
    wakeups = await PgWakeups.start(url, pool, log);
  } catch (err) {
    await pool.end().catch(() => {});
    if (err instanceof RcdError) throw err;
    // pg's messages name the host and the problem (refused, auth failed, no such database), never the password.
    throw new RcdError('INTERNAL', `cannot use the relay store ${where}: ${(err as Error).message}`, { cause: err });
  }
  return {
    kind: 'postgres',
    where,
    sessions: new PgSessionStore(pool),
    devices: new PgDeviceStore(pool),
    events: new PgEventStore(pool, keep),
    instructions: new PgInstructionStore(pool),
    presence: new PgPresence(pool),
    wakeups,
    vapidKeys: () => vapidKeys(pool),
    close: async () => {
      await wakeups.close();
      await pool.end();
    },
  };
}

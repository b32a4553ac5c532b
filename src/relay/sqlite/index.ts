// The embedded store (the default): one SQLite file in the relay's data directory, owned by one relay process
// (db.ts takes an exclusive lock), so wake-ups and presence stay in that process and need no sharing.
import { join } from 'node:path';
import { loadVapidKeys } from '../push.js';
import type { RelayStores, Retention } from '../stores.js';
import { openRelayDb, type Db } from './db.js';
import { SqliteDeviceStore } from './devices.js';
import { SqliteEventStore } from './events.js';
import { SqliteInstructionStore } from './instructions.js';
import { SqliteSessionStore } from './sessions.js';

export function openSqliteStores(dataDir: string, keep: Retention): RelayStores {
  return sqliteStoresOn(openRelayDb(join(dataDir, 'relay.db')), dataDir, keep);
}

/** The stores on an open relay.db (which `close` closes). */
export function sqliteStoresOn(db: Db, dataDir: string, keep: Retention): RelayStores {
  return {
    kind: 'sqlite',
    where: join(dataDir, 'relay.db'),
    sessions: new SqliteSessionStore(db),
    devices: new SqliteDeviceStore(db),
    events: new SqliteEventStore(db, keep),
    instructions: new SqliteInstructionStore(db),
    vapidKeys: () => Promise.resolve(loadVapidKeys(dataDir)),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

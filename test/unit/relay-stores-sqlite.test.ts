// The relay store's contract (test/suites/relay-stores.ts) against the embedded SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRelayDb } from '../../src/relay/sqlite/db.js';
import { sqliteStoresOn } from '../../src/relay/sqlite/index.js';
import { relayStoreContract } from '../suites/relay-stores.js';

relayStoreContract('SQLite', async (keep) => {
  const dir = mkdtempSync(join(tmpdir(), 'rcd-relay-store-'));
  const db = openRelayDb(join(dir, 'relay.db'));
  const stores = sqliteStoresOn(db, dir, keep);
  const tables = ['daemons', 'sessions', 'retired_tokens', 'events', 'instructions'];
  return {
    stores,
    dump: async () => JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t}`).all())),
    close: async () => {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

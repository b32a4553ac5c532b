// The relay store's contract (test/suites/relay-stores.ts) against the shared PostgreSQL store, each test on a new
// database of a throwaway cluster.
import pg from 'pg';
import { createRelayLogger } from '../src/relay/logger.js';
import { openPgStores } from '../src/relay/pg/index.js';
import { relayStoreContract } from '../test/suites/relay-stores.js';
import { testPg } from './pg.js';

const log = createRelayLogger('/dev/null', 'silent').log;
const pgs = testPg();

relayStoreContract('PostgreSQL', async (keep) => {
  const url = await pgs.createDatabase('contract');
  const stores = await openPgStores(url, keep, log);
  const tables = ['daemons', 'sessions', 'retired_tokens', 'events', 'instructions'];
  return {
    stores,
    dump: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const all = [];
        for (const t of tables) all.push((await c.query(`SELECT * FROM ${t}`)).rows);
        return JSON.stringify(all);
      } finally {
        await c.end();
      }
    },
    close: () => stores.close(),
  };
});

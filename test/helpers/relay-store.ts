// Which store the relays of a test use: the embedded SQLite one (the default), or, when RCD_TEST_PG names a
// PostgreSQL cluster (`npm run test:postgres` runs the relay suites again that way, scripts/with-postgres.ts), a new
// database of that cluster for each relay, so that the same tests prove the same behaviour on both stores.
import { createDatabaseOn } from './postgres.js';

/** Options for startRelay: `{}` on SQLite, `{ store }` (a new database) on PostgreSQL. */
export async function storeUnderTest(): Promise<{ store?: string }> {
  const admin = process.env.RCD_TEST_PG;
  return admin ? { store: await createDatabaseOn(admin, 'relay') } : {};
}

/** The same as `rcd relay` flags. */
export async function storeFlags(): Promise<string[]> {
  const { store } = await storeUnderTest();
  return store ? ['--store', store] : [];
}

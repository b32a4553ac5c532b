// The PostgreSQL cluster these tests use: the one `npm run test:postgres` started for the whole run (RCD_TEST_PG, see
// scripts/with-postgres.ts), or a throwaway cluster of this file's own when a file is run alone.
import { after } from 'node:test';
import { createDatabaseOn, startPgCluster } from '../test/helpers/postgres.js';

export interface TestPg {
  /** A new, empty database on the cluster: its URL. */
  createDatabase(prefix?: string): Promise<string>;
}

let shared: TestPg | null = null;

/** Call at the top of a test file (the cluster it may start is stopped when the file's tests end). */
export function testPg(): TestPg {
  if (shared) return shared;
  const admin = process.env.RCD_TEST_PG;
  if (admin) {
    shared = { createDatabase: (prefix) => createDatabaseOn(admin, prefix) };
  } else {
    const cluster = startPgCluster();
    after(() => cluster.stop());
    shared = { createDatabase: (prefix) => cluster.createDatabase(prefix) };
  }
  return shared;
}

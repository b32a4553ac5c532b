// The shared PostgreSQL database: a connection pool, transactions that retry what PostgreSQL asks to be retried,
// and versioned migrations, applied by whichever instance starts first (the others wait on an advisory lock).
import pg from 'pg';
import { RcdError } from '../../common/errors.js';
import { PG_MIGRATIONS } from './schema.js';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
/** Either a pooled client inside a transaction or the pool itself (one statement, its own transaction). */
export type Queryable = Pick<pg.Pool, 'query'>;

// Advisory lock keys (any 64-bit numbers unique to rcd): one for migrations, one for changes of URL hashes (so that
// "a hash nobody holds and nobody retired" is checked and claimed atomically across instances), one for registration.
export const LOCK_MIGRATE = 0x7263_6401;
export const LOCK_ACCESS = 0x7263_6402;
export const LOCK_REGISTER = 0x7263_6403;
// SQLSTATEs after which a transaction is simply run again: serialization failure, deadlock, and a unique violation
// from two instances inserting the same new row at once (the second run sees the first's row).
const RETRY_CODES = new Set(['40001', '40P01', '23505']);
const MAX_ATTEMPTS = 4;

// int8 (COUNT, bigint columns) as a JS number rather than pg's default string: every value here (seqs, counts, byte
// totals) stays far below 2^53.
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A named statement: PostgreSQL parses and plans it once per connection and then only executes it. For the queries
 * every request makes (a credential's lookup, an upload's statements): unnamed ones are parsed and planned each time,
 * which was most of PostgreSQL's CPU under load (docs/benchmarks.md, "Relay load": several instances).
 */
export const prepared = (name: string, text: string) => (values: unknown[]): pg.QueryConfig => ({ name: `rcd_${name}`, text, values });

export function clientConfig(url: string): pg.ClientConfig {
  return { connectionString: url, types, application_name: 'rcd-relay' };
}

export function createPool(url: string, size: number, onError: (err: Error) => void): Pool {
  const pool = new pg.Pool({ ...clientConfig(url), max: size, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
  // An idle client whose connection dropped emits here; without a listener it would crash the process.
  pool.on('error', onError);
  return pool;
}

/** Runs `fn` in a transaction (READ COMMITTED, row locks where it matters), again when PostgreSQL says to retry. */
export async function tx<T>(pool: Pool, fn: (c: Client) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself failed: do not give it back to the pool
      }
      const code = (err as { code?: string }).code;
      if (attempt < MAX_ATTEMPTS && code !== undefined && RETRY_CODES.has(code)) continue;
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** Brings the database to the current schema; the first instance to start does it, the others wait for it. */
export async function migratePg(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_MIGRATE]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS rcd_meta (key text PRIMARY KEY, value text NOT NULL)');
      const row = await client.query<{ value: string }>("SELECT value FROM rcd_meta WHERE key = 'schema'");
      const from = row.rows[0] ? Number(row.rows[0].value) : 0;
      if (from > PG_MIGRATIONS.length) {
        throw new RcdError('INTERNAL', `the relay database was written by a newer rcd (schema ${from}, this rcd knows ${PG_MIGRATIONS.length}); upgrade every relay instance`);
      }
      for (let v = from; v < PG_MIGRATIONS.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(PG_MIGRATIONS[v] as string);
          await client.query("INSERT INTO rcd_meta (key, value) VALUES ('schema', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [String(v + 1)]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_MIGRATE]);
    }
  } finally {
    client.release();
  }
}

// Opens the daemon's SQLite database with the settings every query relies on.
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Db = Database.Database;

/** The page cache's bound, in KiB (see openDatabase). */
export const CACHE_KIB = 256;

export function openDatabase(path: string): Db {
  const db = new Database(path);
  // WAL lets readers and the writer not block each other; NORMAL is durable across process crashes
  // (only a power loss can drop the last transactions), which is the trade-off the daemon wants.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Deleted rows are overwritten with zeros, not just unlinked: a removed session's environment (API keys) must not
  // linger in free pages. The cost is writing those zeros when rows are deleted (rm, retention pruning).
  db.pragma('secure_delete = ON');
  // A small page cache, and a bound on it: better-sqlite3 builds SQLite with a 16 MB one, which fills as output is
  // read back (a phone catching up on a long session) and is never given back, so a daemon that once served a
  // 20 MB backlog stayed ~15 MB larger for good. The daemon's hot pages (session rows, the tips of the event
  // indexes) fit in a few dozen pages; backlog reads are one pass over old rows, which a cache does not speed up,
  // and the OS keeps the file's pages anyway. Figures: docs/benchmarks.md, "Idle footprint".
  db.pragma(`cache_size = -${CACHE_KIB}`);
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Copies the WAL into the database and truncates it, so earlier versions of deleted rows (a removed session's
 * environment) are gone from the WAL file too; with secure_delete the database holds only zeros where they were.
 * False if a reader kept it from completing (the daemon has no other connection, so it should not happen).
 */
export function flushWal(db: Db): boolean {
  const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  return result !== undefined && result.busy === 0;
}

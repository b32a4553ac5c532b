// Opens the daemon's SQLite database with the settings every query relies on.
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const db = new Database(path);
  // WAL lets readers and the writer not block each other; NORMAL is durable across process crashes
  // (only a power loss can drop the last transactions), which is the trade-off the daemon wants.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

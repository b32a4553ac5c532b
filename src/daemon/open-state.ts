// Opens the database at start-up. A corrupt file is moved aside (rcd.db.corrupt-<time>) and a fresh database is
// rebuilt from the per-session files, so the daemon comes up instead of crash-looping on it.
import { existsSync, renameSync } from 'node:fs';
import type { Logger } from 'pino';
import { openDatabase, type Db } from '../store/db.js';
import { EventStore } from '../store/events.js';
import { SessionStore } from '../store/sessions.js';
import { rebuildFromFiles } from './sessions/session-mirror.js';

const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

export function isCorruption(err: unknown): boolean {
  return CORRUPT_CODES.has((err as { code?: string })?.code ?? '');
}

export interface OpenedState {
  db: Db;
  sessions: SessionStore;
  events: EventStore;
  /** Set when the database had to be replaced: what happened, for the log and `rcd status`. */
  warning: string | null;
}

function open(path: string): OpenedState {
  const db = openDatabase(path);
  try {
    const sessions = new SessionStore(db);
    sessions.list(); // touches every session row: most corruption shows here, not at open
    return { db, sessions, events: new EventStore(db), warning: null };
  } catch (err) {
    db.close();
    throw err;
  }
}

export function openState(path: string, sessionsDir: string, retentionBytes: number, log: Logger): OpenedState {
  try {
    return open(path);
  } catch (err) {
    if (!isCorruption(err)) throw err;
    const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(path, aside);
    for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
    const state = open(path);
    const rebuilt = rebuildFromFiles(sessionsDir, state.sessions, state.events, retentionBytes, (dir, why) =>
      log.warn({ dir, why }, 'could not rebuild a session from its files'),
    );
    state.warning = `the database was corrupt (${(err as Error).message}); it was moved to ${aside} and ${rebuilt} session(s) were rebuilt from their files`;
    log.error({ err, aside, rebuilt }, 'corrupt database replaced');
    return state;
  }
}

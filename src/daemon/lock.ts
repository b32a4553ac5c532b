// Exactly one daemon per RCD_HOME. The lock is an exclusive SQLite lock (a kernel fcntl lock underneath) held
// for the daemon's whole life: the kernel drops it when the process dies however it dies, so a crashed daemon
// never leaves a stale lock behind and no racing pair can both believe they won (the worst outcome: two daemons).
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { RcdError } from '../common/errors.js';
import { removeFile } from '../common/remove-file.js';

export interface DaemonLock {
  release(): void;
}

export function readPidFile(pidFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function acquireLock(lockPath: string, pidFile: string): DaemonLock {
  const db = new Database(lockPath, { timeout: 0 });
  try {
    // The lock reads one page, once: without this, its connection's page cache sets aside room for 20 pages (87 KB).
    db.pragma('cache_size = 1');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    const pid = readPidFile(pidFile);
    throw new RcdError('ALREADY_RUNNING', `an rcd daemon already runs for this RCD_HOME${pid ? ` (pid ${pid})` : ''}`, { cause: err });
  }
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  return {
    release() {
      removeFile(pidFile);
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}

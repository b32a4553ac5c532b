// Scheduled upkeep with node-cron: output retention, WAL checkpoint + optimize, log rotation. Each job is short
// or yields between small steps, so the control socket is never blocked for long.
import cron, { type ScheduledTask } from 'node-cron';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import type { EventStore } from '../store/events.js';
import { pruneOutput } from '../store/retention.js';
import { STREAM } from './tailer.js';

// Retention every 10 minutes: an agent printing 1 MB/s adds ~600 MB in between, bounded and quickly trimmed.
export const RETENTION_SCHEDULE = '*/10 * * * *';
// Daily at a quiet hour; the exact minute is arbitrary but not :00, where every other cron job on the machine runs.
export const MAINTENANCE_SCHEDULE = '17 4 * * *';
// Log size is checked every 5 minutes; rotation happens past LOG_ROTATE_BYTES (src/common/json-log.ts).
export const LOG_ROTATE_SCHEDULE = '*/5 * * * *';
// Output files keep this much below their stored end; the rest of their disk blocks is released.
const PAGE = 4096;
// Remote instructions carried out are kept this long (the relay re-offers an unacknowledged one for 24 h, and a
// repeat must still find its id here), then deleted: a prompt can be 64 KiB.
export const INBOX_KEEP_MS = 7 * 24 * 3600 * 1000;

export interface UpkeepDeps {
  db: Db;
  events: EventStore;
  log: Logger;
  retentionBytes: () => number;
  liveOutputs: () => { sessionId: string; path: string }[];
  rotateLogs: () => boolean;
}

export class Upkeep {
  private readonly tasks: ScheduledTask[] = [];

  constructor(private readonly d: UpkeepDeps) {}

  start(): void {
    const opts = { noOverlap: true, logger: this.cronLogger() };
    this.tasks.push(cron.schedule(RETENTION_SCHEDULE, () => this.retention(), { ...opts, name: 'retention' }));
    this.tasks.push(cron.schedule(MAINTENANCE_SCHEDULE, () => this.maintenance(), { ...opts, name: 'maintenance' }));
    this.tasks.push(cron.schedule(LOG_ROTATE_SCHEDULE, () => this.logs(), { ...opts, name: 'log-rotation' }));
    for (const t of this.tasks) t.unref();
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.destroy()));
    this.tasks.length = 0;
  }

  /** Trims stored output to the retention budget and releases the disk blocks of old, already stored output. */
  async retention(): Promise<void> {
    const keep = this.d.retentionBytes();
    const result = await pruneOutput(this.d.db, keep);
    let punched = 0;
    for (const { sessionId, path } of this.d.liveOutputs()) {
      const stored = this.d.events.offset(sessionId, STREAM);
      const upTo = Math.floor((stored - keep) / PAGE) * PAGE;
      if (upTo <= 0 || process.platform !== 'linux') continue;
      // Punching a hole keeps the file's size and offsets (the agent appends; the daemon reads at its offset)
      // while giving the old blocks back; the bytes are already in the database.
      if (await punchHole(path, upTo)) punched += 1;
    }
    if (result.deletedEvents > 0 || punched > 0) this.d.log.info({ ...result, filesTrimmed: punched }, 'output retention applied');
  }

  maintenance(): void {
    const started = Date.now();
    const cutoff = new Date(started - INBOX_KEEP_MS).toISOString();
    const pruned = this.d.db.prepare('DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?').run(cutoff).changes;
    if (pruned > 0) this.d.log.info({ instructions: pruned }, 'old remote instructions deleted');
    this.d.db.pragma('wal_checkpoint(TRUNCATE)');
    this.d.db.pragma('optimize');
    this.d.log.info({ ms: Date.now() - started }, 'database checkpointed and optimized');
  }

  logs(): void {
    if (this.d.rotateLogs()) this.d.log.info('log rotated');
  }

  private cronLogger() {
    const log = this.d.log.child({ component: 'cron' });
    return {
      info: (m: string) => log.debug(m),
      warn: (m: string) => log.warn(m),
      error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, 'scheduled job failed'),
      debug: (m: string | Error) => log.trace(String(m)),
    };
  }
}

function punchHole(path: string, length: number): Promise<boolean> {
  try {
    if (statSync(path).size < length) return Promise.resolve(false);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => execFile('fallocate', ['--punch-hole', '--offset', '0', '--length', String(length), path], (err) => resolve(!err)));
}

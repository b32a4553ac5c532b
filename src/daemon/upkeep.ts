// Scheduled upkeep: output retention, WAL checkpoint + optimize, log rotation. Each job is short or yields between
// small steps, so the control socket is never blocked for long. One unref'd timer drives all three: node-cron did
// this before, but it formats the time through Intl.DateTimeFormat on every tick, which maps ICU's data and cost the
// idle daemon ~12 MB of resident memory for three fixed schedules (docs/benchmarks.md, "Idle footprint").
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import type { EventStore } from '../store/events.js';
import { pruneOutput } from '../store/retention.js';
import { STREAM } from './output/tailer.js';

// Log size is checked every 5 minutes, the upkeep timer's period; rotation happens past LOG_ROTATE_BYTES
// (src/common/json-log.ts).
export const TICK_MS = 5 * 60_000;
// Retention every 10 minutes (every other tick): an agent printing 1 MB/s adds ~600 MB in between, bounded and
// quickly trimmed.
export const RETENTION_EVERY_TICKS = 2;
// Daily at a quiet local hour; the exact minute is arbitrary but not :00, where every other job on the machine runs.
// Checked against the wall clock at each tick, so a laptop asleep at 04:17 runs it at the first tick after waking.
export const MAINTENANCE_AT = { hour: 4, minute: 17 };
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
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private nextMaintenance = 0;
  /** The job running now, if any: a tick never overlaps it, and stop() waits for it (the database closes next). */
  private running: Promise<void> | null = null;

  constructor(private readonly d: UpkeepDeps) {}

  start(): void {
    this.nextMaintenance = nextLocalTime(MAINTENANCE_AT, new Date());
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One turn of the timer: what is due runs, one after the other. Public so tests can drive it. */
  tick(now = new Date()): Promise<void> {
    if (this.running) return this.running; // the previous turn is still at work: skip this one
    this.ticks += 1;
    const maintain = now.getTime() >= this.nextMaintenance;
    if (maintain) this.nextMaintenance = nextLocalTime(MAINTENANCE_AT, now);
    const retain = this.ticks % RETENTION_EVERY_TICKS === 0;
    this.running = (async () => {
      await this.guard(() => this.logs());
      if (retain) await this.guard(() => this.retention());
      if (maintain) await this.guard(() => this.maintenance());
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async guard(job: () => unknown): Promise<void> {
    try {
      await job();
    } catch (err) {
      this.d.log.error({ err }, 'scheduled job failed');
    }
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
}

/** The next time after `now` that the local clock reads `at`. */
export function nextLocalTime(at: { hour: number; minute: number }, now: Date): number {
  const next = new Date(now);
  next.setHours(at.hour, at.minute, 0, 0);
  if (next.getTime() <= now.getTime()) next.setDate(next.getDate() + 1);
  return next.getTime();
}

function punchHole(path: string, length: number): Promise<boolean> {
  try {
    if (statSync(path).size < length) return Promise.resolve(false);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => execFile('fallocate', ['--punch-hole', '--offset', '0', '--length', String(length), path], (err) => resolve(!err)));
}

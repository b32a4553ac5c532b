// Upkeep's one timer: log rotation every tick, retention every other tick, maintenance once a day at 04:17 local
// time (or at the first tick after it, for a laptop that slept through it), and never two turns at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { MAINTENANCE_AT, RETENTION_EVERY_TICKS, Upkeep, nextLocalTime } from '../../src/daemon/upkeep.js';
import type { Db } from '../../src/store/db.js';
import type { EventStore } from '../../src/store/events.js';

/** An Upkeep whose three jobs only count their runs. */
function counting(): { upkeep: Upkeep; runs: { logs: number; retention: number; maintenance: number } } {
  const runs = { logs: 0, retention: 0, maintenance: 0 };
  const upkeep = new Upkeep({
    db: null as unknown as Db, events: null as unknown as EventStore, log: pino({ level: 'silent' }),
    retentionBytes: () => 0, liveOutputs: () => [], rotateLogs: () => false,
  });
  upkeep.logs = () => void (runs.logs += 1);
  upkeep.retention = async () => void (runs.retention += 1);
  upkeep.maintenance = () => void (runs.maintenance += 1);
  return { upkeep, runs };
}

const at = (hour: number, minute: number, day = 10) => new Date(2026, 0, day, hour, minute, 0, 0);

describe('upkeep schedule', () => {
  it('the next 04:17 is today before it, tomorrow from it on', () => {
    assert.equal(nextLocalTime(MAINTENANCE_AT, at(3, 0)), at(4, 17).getTime());
    assert.equal(nextLocalTime(MAINTENANCE_AT, at(4, 17)), at(4, 17, 11).getTime());
    assert.equal(nextLocalTime(MAINTENANCE_AT, at(23, 59)), at(4, 17, 11).getTime());
  });

  it('rotates logs each tick, keeps retention to every other tick, and maintains once when 04:17 has passed', async () => {
    const { upkeep, runs } = counting();
    await upkeep.tick(at(9, 0)); // nothing ran yet today (a laptop asleep at 04:17): due now
    for (let i = 1; i < 2 * RETENTION_EVERY_TICKS; i++) await upkeep.tick(at(9, 5 * i));
    assert.deepEqual(runs, { logs: 4, retention: 2, maintenance: 1 }, 'maintenance once, then not again today');
    await upkeep.tick(at(4, 17, 11));
    assert.equal(runs.maintenance, 2, 'and again the next day at 04:17');
  });

  it('a tick while the previous turn still runs does not start another', async () => {
    const { upkeep, runs } = counting();
    let release = () => {};
    upkeep.logs = () => new Promise<void>((r) => (release = () => { runs.logs += 1; r(); }));
    const first = upkeep.tick(at(3, 0));
    const second = upkeep.tick(at(3, 5));
    release();
    await Promise.all([first, second]);
    assert.equal(runs.logs, 1);
  });
});

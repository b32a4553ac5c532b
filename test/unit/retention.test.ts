// Upkeep: output past the retention budget is pruned oldest-first (newest kept, seqs untouched), old blocks of
// output files are released without changing their size, and the daemon log rotates past its size limit.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { createLogger } from '../../src/daemon/logger.js';
import { Upkeep } from '../../src/daemon/upkeep.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EventStore } from '../../src/store/events.js';
import { pruneOutput } from '../../src/store/retention.js';
import { SessionStore } from '../../src/store/sessions.js';

describe('upkeep', () => {
  let dir: string;
  let db: Db;
  let events: EventStore;
  const KB = 1024;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-upkeep-'));
    db = openDatabase(join(dir, 'rcd.db'));
    events = new EventStore(db);
    for (const id of ['big', 'small']) {
      new SessionStore(db).insert({
        id, name: id, cwd: `/w/${id}`, agent: 'generic', command: ['x'], env: {}, restartPolicy: 'no', state: 'running',
        createdAt: new Date().toISOString(),
      });
    }
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prunes the oldest output of a session over budget and keeps the newest within it', async () => {
    const path = join(dir, 'out');
    for (let i = 1; i <= 100; i++) events.appendOutput('big', 'output', path, Buffer.alloc(10 * KB, i), i * 10 * KB);
    events.appendOutput('small', 'output', path, Buffer.from('tiny'), 4);
    const r = await pruneOutput(db, 256 * KB);
    assert.equal(r.sessions, 1, 'only the session over budget is touched');
    const kept = events.output('big', 0, 1000);
    assert.equal(kept.length, 25, '25 chunks of 10 KiB fit in 256 KiB');
    assert.equal(kept[0]?.seq, 76);
    assert.equal(kept.at(-1)?.seq, 100);
    assert.equal(kept[0]?.data[0], 76, 'the newest output is what stays');
    assert.equal(events.output('small', 0, 10).length, 1);
    events.appendOutput('big', 'output', path, Buffer.from('next'), 100 * 10 * KB + 4);
    assert.equal(events.lastSeq('big'), 101, 'sequence numbers continue; pruning never reuses them');
  });

  it('releases the disk blocks of stored output older than the budget, keeping size and offsets', async (t) => {
    if (process.platform !== 'linux') return t.diagnostic('hole punching is Linux-only');
    const path = join(dir, 'output');
    const size = 4 * 1024 * KB;
    writeFileSync(path, Buffer.alloc(size, 'x'));
    events.setOffset('big', 'output', path, size);
    const before = statSync(path);
    const upkeep = new Upkeep({
      db, events, log: pino({ level: 'silent' }), retentionBytes: () => 256 * KB,
      liveOutputs: () => [{ sessionId: 'big', path }], rotateLogs: () => false,
    });
    await upkeep.retention();
    const after = statSync(path);
    assert.equal(after.size, before.size, 'the file keeps its size, so offsets stay valid');
    assert.ok(after.blocks * 512 <= 300 * KB, `blocks released (${after.blocks * 512} bytes still allocated)`);
    const tail = readFileSync(path).subarray(size - 256 * KB);
    assert.ok(tail.every((b) => b === 0x78), 'the retained tail is intact');
  });

  it('rotates the daemon log past its limit, keeping three generations', () => {
    const file = join(dir, 'logs', 'daemon.log');
    const logger = createLogger(file, 'info');
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < 50; i++) logger.log.info({ round, i }, 'filler line for rotation');
      logger.flush();
      assert.equal(logger.rotate(1024), true);
    }
    logger.log.info('after rotation');
    logger.flush();
    assert.deepEqual(readdirSync(join(dir, 'logs')).sort(), ['daemon.log', 'daemon.log.1', 'daemon.log.2', 'daemon.log.3']);
    assert.match(readFileSync(`${file}.1`, 'utf8'), /"round":5/);
    assert.match(readFileSync(file, 'utf8'), /after rotation/);
    assert.equal(logger.rotate(1024 * 1024), false, 'a small log is left alone');
  });
  it('daily maintenance deletes remote instructions carried out over a week ago, and keeps newer or unfinished ones', () => {
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const insert = db.prepare('INSERT INTO inbox (id, session_id, kind, payload, received_at, started_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('old-done', 'big', 'prompt', '{}', ago(9), ago(9), ago(8));
    insert.run('recent-done', 'big', 'prompt', '{}', ago(2), ago(2), ago(2));
    insert.run('old-started', 'big', 'prompt', '{}', ago(9), ago(9), null); // killed mid-run: kept, never re-run
    const upkeep = new Upkeep({ db, events, log: pino({ level: 'silent' }), retentionBytes: () => KB, liveOutputs: () => [], rotateLogs: () => false });
    upkeep.maintenance();
    const left = db.prepare<[], { id: string }>('SELECT id FROM inbox ORDER BY id').all().map((r) => r.id);
    assert.deepEqual(left, ['old-started', 'recent-done']);
  });
});

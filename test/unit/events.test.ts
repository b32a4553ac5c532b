// The per-session event log: every event gets the next seq of its session, gap-free, and an output chunk is
// stored together with the file offset it reaches, in one transaction: both or neither.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EventStore } from '../../src/store/events.js';
import { SessionStore } from '../../src/store/sessions.js';

describe('event store', () => {
  let dir: string;
  let db: Db;
  let events: EventStore;
  const OUT = '/sessions/s1/output';

  const addSession = (id: string) =>
    new SessionStore(db).insert({
      id, name: `name-${id}`, cwd: `/work/${id}`, agent: 'generic', command: ['node', 'x.mjs'], env: {},
      restartPolicy: 'no', state: 'running', createdAt: new Date().toISOString(),
    });
  const seqs = (id: string) => (db.prepare('SELECT seq FROM events WHERE session_id = ? ORDER BY seq').all(id) as { seq: number }[]).map((r) => r.seq);
  const text = (id: string) => events.output(id, 0, 1000).map((c) => c.data.toString('utf8')).join('');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-events-'));
    db = openDatabase(join(dir, 'rcd.db'));
    events = new EventStore(db);
    addSession('s1');
    addSession('s2');
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('numbers output chunks 1, 2, 3 and moves the offset with each', () => {
    assert.equal(events.appendOutput('s1', 'output', OUT, Buffer.from('a'), 1), 1);
    assert.equal(events.offset('s1', 'output'), 1);
    assert.equal(events.appendOutput('s1', 'output', OUT, Buffer.from('bc'), 3), 2);
    assert.equal(events.offset('s1', 'output'), 3);
    assert.equal(events.appendOutput('s1', 'output', OUT, Buffer.from('def'), 6), 3);
    assert.equal(events.offset('s1', 'output'), 6);
    assert.deepEqual(events.output('s1', 0, 100).map((c) => c.seq), [1, 2, 3]);
    assert.equal(text('s1'), 'abcdef');
    assert.equal(events.lastSeq('s1'), 3);
  });

  it('shares one gap-free sequence between output and state events, per session', () => {
    assert.equal(events.appendState('s1', { state: 'running' }), 1);
    assert.equal(events.appendOutput('s1', 'output', OUT, Buffer.from('x'), 1), 2);
    assert.equal(events.appendOutput('s2', 'output', OUT, Buffer.from('y'), 1), 1);
    assert.equal(events.appendState('s1', { state: 'exited' }), 3);
    assert.deepEqual(seqs('s1'), [1, 2, 3]);
    assert.deepEqual(seqs('s2'), [1]);
    assert.deepEqual(events.output('s1', 0, 100).map((c) => c.seq), [2]);
  });

  it('keeps bytes exactly as written', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    events.appendOutput('s1', 'output', OUT, all, 256);
    const [chunk] = events.output('s1', 0, 10);
    assert.ok(chunk);
    assert.ok(Buffer.from(chunk.data).equals(all));
  });

  it('stores neither the chunk nor the offset when storing the offset fails', () => {
    events.appendOutput('s1', 'output', OUT, Buffer.from('kept'), 4);
    // A NULL path violates output_offsets.path NOT NULL: the failure comes after the chunk was inserted.
    assert.throws(() => events.appendOutput('s1', 'output', null as unknown as string, Buffer.from('lost'), 8));
    assert.deepEqual(seqs('s1'), [1]);
    assert.equal(events.offset('s1', 'output'), 4);
    assert.equal(text('s1'), 'kept');
    // And the failed attempt leaves no gap.
    assert.equal(events.appendOutput('s1', 'output', OUT, Buffer.from('next'), 8), 2);
  });

  it('rolls back both the chunk and the offset when an enclosing transaction throws', () => {
    events.appendOutput('s1', 'output', OUT, Buffer.from('kept'), 4);
    const failing = db.transaction(() => {
      events.appendOutput('s1', 'output', OUT, Buffer.from('lost'), 8);
      throw new Error('crash before commit');
    });
    assert.throws(() => failing(), /crash before commit/);
    assert.deepEqual(seqs('s1'), [1]);
    assert.equal(events.offset('s1', 'output'), 4);
    assert.equal(text('s1'), 'kept');
    assert.equal(events.appendOutput('s1', 'output', OUT, Buffer.from('next'), 8), 2);
  });
});

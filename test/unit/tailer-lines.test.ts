// The tailer's line mode (claude sessions): output is stored in whole lines, the line handler sees each line
// once in the transaction that stores it, and an unfinished line waits for its end unless the writer is gone.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Tailer } from '../../src/daemon/output/tailer.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EventStore } from '../../src/store/events.js';
import { SessionStore } from '../../src/store/sessions.js';

describe('tailer line mode', () => {
  let dir: string;
  let db: Db;
  let events: EventStore;
  let tailer: Tailer;
  let file: string;
  const seen: string[] = [];
  const stored = () => events.output('s1', 0, 1000).map((c) => c.data.toString()).join('');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-tail-'));
    db = openDatabase(join(dir, 'rcd.db'));
    events = new EventStore(db);
    new SessionStore(db).insert({
      id: 's1', name: 's1', cwd: '/w', agent: 'claude', command: [], env: {}, restartPolicy: 'no', state: 'running', createdAt: new Date().toISOString(),
    });
    file = join(dir, 'output');
    writeFileSync(file, '');
    seen.length = 0;
    tailer = new Tailer(events, (err) => {
      throw err;
    });
    tailer.follow('s1', file, (data) => seen.push(data.toString()));
  });
  afterEach(() => {
    tailer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds back an unfinished line and stores it whole once its newline comes', () => {
    appendFileSync(file, '{"type":"a"}\n{"type":"b","half');
    tailer.drain('s1', file);
    assert.equal(stored(), '{"type":"a"}\n');
    assert.deepEqual(seen, ['{"type":"a"}\n']);
    appendFileSync(file, '":1}\n');
    tailer.drain('s1', file);
    assert.equal(stored(), '{"type":"a"}\n{"type":"b","half":1}\n');
    assert.deepEqual(seen, ['{"type":"a"}\n', '{"type":"b","half":1}\n']);
    assert.equal(events.offset('s1', 'output'), Buffer.byteLength(stored()), 'the offset is at a line end');
  });

  it('stores a line longer than one chunk in several events, seen by the handler as one line', () => {
    const long = `{"type":"x","data":"${'z'.repeat(200 * 1024)}"}\n`;
    appendFileSync(file, long);
    tailer.drain('s1', file);
    assert.ok(events.output('s1', 0, 1000).length > 1, 'several chunks');
    assert.equal(stored(), long);
    assert.deepEqual(seen, [long]);
  });

  it('flushes an unfinished last line when the writer is gone', () => {
    appendFileSync(file, '{"type":"a"}\nKilled mid-li');
    tailer.unfollow('s1');
    assert.equal(stored(), '{"type":"a"}\nKilled mid-li');
    assert.equal(seen.join(''), '{"type":"a"}\nKilled mid-li');
  });
});

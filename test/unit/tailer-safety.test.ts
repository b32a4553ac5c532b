// The tailer's safety net under inotify: a file that had no watch when it was followed (it did not exist yet) is
// still read, and watched from then on; output after a long quiet spell (the net backed off) still arrives at once.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SAFETY_POLL_MIN_MS, Tailer } from '../../src/daemon/output/tailer.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EventStore } from '../../src/store/events.js';
import { SessionStore } from '../../src/store/sessions.js';

// Generous against a busy machine; the net itself looks every SAFETY_POLL_MIN_MS for an unwatched file.
const DEADLINE_MS = SAFETY_POLL_MIN_MS * 10;

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('tailer safety net', () => {
  let dir: string;
  let db: Db;
  let events: EventStore;
  let tailer: Tailer;
  let file: string;
  const stored = () => events.output('s1', 0, 1000).map((c) => c.data.toString()).join('');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-tail-'));
    db = openDatabase(join(dir, 'rcd.db'));
    events = new EventStore(db);
    new SessionStore(db).insert({
      id: 's1', name: 's1', cwd: '/w', agent: 'generic', command: [], env: {}, restartPolicy: 'no', state: 'running', createdAt: new Date().toISOString(),
    });
    file = join(dir, 'output');
    tailer = new Tailer(events, (err) => {
      throw err;
    });
  });
  afterEach(() => {
    tailer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a file that appears after it is followed, and follows it by inotify from then on', async () => {
    tailer.follow('s1', file); // no file: no watch
    writeFileSync(file, 'first\n');
    await until('the first line', () => stored() === 'first\n');
    // The net's look that found the file watched it too: from now on lines come by inotify.
    await until('an inotify watch on the file', () => tailer.watched('s1'));
    appendFileSync(file, 'second\n');
    await until('the second line', () => stored() === 'first\nsecond\n');
  });

  it('stores each byte once however often the net and inotify both look', async () => {
    writeFileSync(file, '');
    tailer.follow('s1', file);
    for (let i = 0; i < 50; i++) {
      appendFileSync(file, `line ${i}\n`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, SAFETY_POLL_MIN_MS / 4));
    }
    const want = Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join('');
    await until('all 50 lines', () => stored().length >= want.length);
    assert.equal(stored(), want);
  });
});

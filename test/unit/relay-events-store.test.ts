// What is particular to the SQLite event store (the rest is the stores' contract, test/suites/relay-stores.ts): the
// group commit (uploads arriving together share one transaction), sealed data kept as bytes (a BLOB) and anything
// else as text, and rows stored as base64 text before migration 8 still served.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { RelayEvent } from '../../src/protocol/relay.js';
import { packData, unpackData } from '../../src/relay/event-data.js';
import { migrateRelay, openRelayDb, type Db } from '../../src/relay/sqlite/db.js';
import { SqliteEventStore } from '../../src/relay/sqlite/events.js';

const [A, B, C] = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc'];
const DAY = 86_400_000;
const sealed = () => `1.${randomBytes(12).toString('base64url')}.${randomBytes(40 + Math.floor(Math.random() * 40)).toString('base64url')}`;
const ev = (seq: number, at = new Date().toISOString(), data = sealed()): RelayEvent => ({ seq, at, kind: 'sealed', data });
const lots = { events: 1_000_000, bytes: 1 << 30, ageMs: 365 * DAY };

function addSessions(db: Db, ids: readonly string[]): void {
  const now = new Date().toISOString();
  db.prepare('INSERT OR IGNORE INTO daemons (id, credential_hash, created_at) VALUES (?, ?, ?)').run('d1', 'h1', now);
  for (const id of ids) db.prepare('INSERT INTO sessions (id, daemon_id, view, updated_at) VALUES (?, ?, ?, ?)').run(id, 'd1', '{}', now);
}

describe('relay event store', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-relay-events-'));
    db = openRelayDb(join(dir, 'relay.db'));
    addSessions(db, [A, B, C]);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('group commit: concurrent uploads are all acknowledged and stored in order, in fewer transactions than uploads', async () => {
    const store = new SqliteEventStore(db, lots);
    const sent = new Map<string, RelayEvent[]>([[A, []], [B, []], [C, []]]);
    const uploads: Promise<unknown>[] = [];
    // 60 uploads of 5 events to three sessions, all started in the same tick, as a busy relay receives them.
    for (let i = 0; i < 20; i++) {
      for (const id of [A, B, C]) {
        const events = Array.from({ length: 5 }, (_, k) => ev(i * 5 + k + 1));
        (sent.get(id) as RelayEvent[]).push(...events);
        uploads.push(store.append([{ sessionId: id, events }]).then((r) => assert.equal(r[0]?.acked, i * 5 + 5, `${id} upload ${i} acknowledged up to its last seq`)));
      }
    }
    await Promise.all(uploads);
    for (const id of [A, B, C]) {
      const read = await store.read(id, 0);
      assert.deepEqual(read.events, sent.get(id), `${id}: every event, in order, byte for byte`);
      assert.equal(read.gap, false);
    }
    assert.equal(store.commits, 1, 'sixty uploads arriving together, one transaction');
    await store.append([{ sessionId: A, events: [ev(101)] }]);
    assert.equal(store.commits, 2, 'a lone upload commits at once, on its own');
  });

  it('stores sealed data as bytes and serves back exactly what was sent; anything else stays text', async () => {
    const store = new SqliteEventStore(db, lots);
    // A non-canonical last character (stray low bits), a leading zero, text, an epoch over 9 digits.
    const odd = ['1.AAAAAAAAAAAAAAAB.abd', '01.AAAAAAAAAAAAAAAA.abcd', 'not sealed at all', '4294967296.AAAAAAAAAAAAAAAA.abcd'];
    const events = [ev(1), ev(2, undefined, '999999999.AAAAAAAAAAAAAAAA.abcd'), ...odd.map((d, i) => ev(3 + i, undefined, d))];
    await store.append([{ sessionId: A, events }]);
    assert.deepEqual((await store.read(A, 0)).events, events);
    const types = db.prepare<[], { t: string }>("SELECT typeof(data) AS t FROM events WHERE session_id = 'aaaaaaaaaaaaaaaa' ORDER BY seq").all().map((r) => r.t);
    assert.deepEqual(types, ['blob', 'blob', 'text', 'text', 'text', 'text'], 'non-canonical base64 or epochs stay text');
    const blob = packData('sealed', events[0]?.data as string) as Buffer;
    assert.ok(Buffer.isBuffer(blob) && blob.length < (events[0]?.data.length ?? 0) * 0.8, 'a quarter smaller');
    assert.equal(unpackData(blob), events[0]?.data);
  });

});

describe('relay migration 8: events stored before it', () => {
  it('base64 rows are still served as they were, and counted in the bytes a session holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcd-relay-m8-'));
    const db = new Database(join(dir, 'relay.db'));
    try {
      migrateRelay(db, 7);
      addSessions(db, [A]);
      const old = [ev(1, '2026-12-01T00:00:00.000Z'), ev(2, '2026-12-01T00:00:01.000Z')];
      for (const e of old) db.prepare('INSERT INTO events (session_id, seq, at, kind, data) VALUES (?, ?, ?, ?, ?)').run(A, e.seq, e.at, e.kind, e.data);
      db.prepare('UPDATE sessions SET acked_seq = 2, event_count = 2 WHERE id = ?').run(A);
      migrateRelay(db);
      const row = db.prepare<[string], { event_bytes: number; first_at: string }>('SELECT event_bytes, first_at FROM sessions WHERE id = ?').get(A);
      assert.equal(row?.event_bytes, old[0]!.data.length + old[1]!.data.length);
      assert.equal(row?.first_at, '2026-12-01T00:00:00.000Z');
      const store = new SqliteEventStore(db, lots);
      const added = ev(3);
      assert.deepEqual((await store.append([{ sessionId: A, events: [added] }])).map((r) => r.acked), [3]);
      assert.deepEqual((await store.read(A, 0)).events, [...old, added], 'old text rows and the new blob row, as sent');
      assert.deepEqual(db.prepare<[], { t: string }>('SELECT typeof(data) AS t FROM events ORDER BY seq').all().map((r) => r.t), ['text', 'text', 'blob']);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The relay's instruction store: acknowledged instructions are kept for the idempotency window (a retried send
// is still a duplicate), then swept; unacknowledged ones are never swept. Instructions to a daemon itself (a remote
// start) and their results; and migration 7, which rebuilt the table, keeps what was pending.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateRelay, openRelayDb, type Db } from '../../src/relay/db.js';
import { InstructionStore } from '../../src/relay/instructions-store.js';

describe('relay instructions: sweeping acknowledged ones', () => {
  let dir: string;
  let db: Db;
  let store: InstructionStore;
  // The hash of the token a client came through: the relay stores it with every instruction.
  const via = 'a'.repeat(64);
  /** Accepts a prompt (well under the pending cap) and returns its id and whether it was a duplicate. */
  const accept = (text: string, key: string) => {
    const r = store.accept({ daemonId: 'd1', sessionId: '0123456789abcdef' }, 'prompt', { text }, key, via, 100);
    assert.ok(typeof r !== 'string', r as string);
    return r;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-relay-instr-'));
    db = openRelayDb(join(dir, 'relay.db'));
    const now = new Date().toISOString();
    db.prepare('INSERT INTO daemons (id, credential_hash, created_at) VALUES (?, ?, ?)').run('d1', 'h1', now);
    db.prepare('INSERT INTO sessions (id, daemon_id, view, updated_at) VALUES (?, ?, ?, ?)').run('0123456789abcdef', 'd1', '{}', now);
    store = new InstructionStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps acknowledged instructions within the window, so a retried key is still a duplicate', () => {
    const first = accept('a', 'key-aaaaaaaa');
    assert.equal(store.ack('d1', [first.id]), 1);
    const again = accept('a', 'key-aaaaaaaa');
    assert.deepEqual(again, { id: first.id, duplicate: true });
  });

  it('sweeps acknowledged instructions older than the cutoff and never pending ones', () => {
    const acked = accept('a', 'key-aaaaaaaa');
    const pending = accept('b', 'key-bbbbbbbb');
    store.ack('d1', [acked.id]);
    assert.equal(store.sweep(new Date(Date.now() - 60_000).toISOString()), 0, 'too recent to sweep');
    assert.equal(store.sweep(new Date(Date.now() + 60_000).toISOString()), 1);
    assert.deepEqual(store.pendingFor('d1').map((i) => i.id), [pending.id], 'the pending one is still offered');
    assert.equal(store.sweep(new Date(Date.now() + 60_000).toISOString()), 0, 'nothing left to sweep');
  });

  it('takes instructions to a daemon itself: deduplicated per daemon, offered with the others, its sealed result kept for the client', () => {
    const mine = { daemonId: 'd1', sessionId: null };
    const start = store.accept(mine, 'sealed', { nonce: 'n' }, 'nonce-aaaaaaaaaaaa', via, 2);
    assert.ok(typeof start !== 'string');
    assert.deepEqual(store.accept(mine, 'sealed', { nonce: 'n' }, 'nonce-aaaaaaaaaaaa', via, 2), { id: start.id, duplicate: true });
    const prompt = accept('a', 'key-aaaaaaaa');
    assert.deepEqual(store.pendingFor('d1').map((i) => [i.id, i.session]), [[start.id, null], [prompt.id, '0123456789abcdef']]);
    assert.deepEqual(store.resultOf('d1', start.id), { taken: false, result: null });
    assert.equal(store.resultOf('d2', start.id), null, 'another daemon\'s client sees nothing of it');
    store.ack('d1', [start.id]);
    assert.deepEqual(store.resultOf('d1', start.id), { taken: true, result: null });
    assert.equal(store.storeResults('d2', [{ id: start.id, result: 'x' }]), 0, 'only its daemon answers it');
    assert.equal(store.storeResults('d1', [{ id: start.id, result: 'sealed-result' }, { id: prompt.id, result: 'y' }]), 1, 'not a session\'s');
    assert.equal(store.storeResults('d1', [{ id: start.id, result: 'another' }]), 0, 'answered once');
    assert.deepEqual(store.resultOf('d1', start.id), { taken: true, result: 'sealed-result' });
    // Waiting ones count against the cap until answered.
    assert.ok(typeof store.accept(mine, 'sealed', {}, 'nonce-bbbbbbbbbbbb', via, 2) !== 'string');
    assert.ok(typeof store.accept(mine, 'sealed', {}, 'nonce-cccccccccccc', via, 2) !== 'string');
    assert.equal(store.accept(mine, 'sealed', {}, 'nonce-dddddddddddd', via, 2), 'full');
  });
});

describe('relay migration 7: instructions of sessions kept across the rebuild', () => {
  it('an instruction pending before the upgrade is still offered to its daemon, and a retry of it is still a duplicate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcd-relay-m7-'));
    const db = new Database(join(dir, 'relay.db'));
    try {
      migrateRelay(db, 6);
      const now = new Date().toISOString();
      db.prepare('INSERT INTO daemons (id, credential_hash, created_at) VALUES (?, ?, ?)').run('d1', 'h1', now);
      db.prepare('INSERT INTO sessions (id, daemon_id, view, updated_at) VALUES (?, ?, ?, ?)').run('0123456789abcdef', 'd1', '{}', now);
      db.prepare("INSERT INTO instructions (id, session_id, kind, payload, idempotency_key, via, created_at) VALUES ('i_old', '0123456789abcdef', 'sealed', '{}', 'k-old', 'v', ?)").run(now);
      migrateRelay(db);
      const store = new InstructionStore(db);
      assert.deepEqual(store.pendingFor('d1').map((i) => [i.id, i.session]), [['i_old', '0123456789abcdef']]);
      assert.deepEqual(store.accept({ daemonId: 'd1', sessionId: '0123456789abcdef' }, 'sealed', {}, 'k-old', 'v', 10), { id: 'i_old', duplicate: true });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

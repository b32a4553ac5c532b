// The relay's instruction store: acknowledged instructions are kept for the idempotency window (a retried send
// is still a duplicate), then swept; unacknowledged ones are never swept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openRelayDb, type Db } from '../../src/relay/db.js';
import { InstructionStore } from '../../src/relay/instructions-store.js';

describe('relay instructions: sweeping acknowledged ones', () => {
  let dir: string;
  let db: Db;
  let store: InstructionStore;
  // The hash of the token a client came through: the relay stores it with every instruction.
  const via = 'a'.repeat(64);
  /** Accepts a prompt (well under the pending cap) and returns its id and whether it was a duplicate. */
  const accept = (text: string, key: string) => {
    const r = store.accept('0123456789abcdef', 'prompt', { text }, key, via, 100);
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
});

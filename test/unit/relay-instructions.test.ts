// The SQLite instruction store's migration 7, which rebuilt the table, keeps what was pending (the store's behaviour
// is the stores' contract, test/suites/relay-stores.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateRelay } from '../../src/relay/sqlite/db.js';
import { SqliteInstructionStore } from '../../src/relay/sqlite/instructions.js';

describe('relay migration 7: instructions of sessions kept across the rebuild', () => {
  it('an instruction pending before the upgrade is still offered to its daemon, and a retry of it is still a duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcd-relay-m7-'));
    const db = new Database(join(dir, 'relay.db'));
    try {
      migrateRelay(db, 6);
      const now = new Date().toISOString();
      db.prepare('INSERT INTO daemons (id, credential_hash, created_at) VALUES (?, ?, ?)').run('d1', 'h1', now);
      db.prepare('INSERT INTO sessions (id, daemon_id, view, updated_at) VALUES (?, ?, ?, ?)').run('0123456789abcdef', 'd1', '{}', now);
      db.prepare("INSERT INTO instructions (id, session_id, kind, payload, idempotency_key, via, created_at) VALUES ('i_old', '0123456789abcdef', 'sealed', '{}', 'k-old', 'v', ?)").run(now);
      migrateRelay(db);
      const store = new SqliteInstructionStore(db);
      assert.deepEqual((await store.pendingFor('d1')).map((i) => [i.id, i.session]), [['i_old', '0123456789abcdef']]);
      assert.deepEqual(await store.accept({ daemonId: 'd1', sessionId: '0123456789abcdef' }, 'sealed', {}, 'k-old', 'v', 10), { id: 'i_old', duplicate: true });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

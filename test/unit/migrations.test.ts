// Schema migrations: a fresh database is brought to the current schema; one written by a newer rcd is refused
// with a message that says what to do, and is left as it was.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RcdError } from '../../src/common/errors.js';
import { openDatabase } from '../../src/store/db.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';

describe('migrations', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-migrations-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('brings a new database to the current schema, and reopening it changes nothing', () => {
    const path = join(dir, 'fresh.db');
    const db = openDatabase(path);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    db.prepare("INSERT INTO sessions (id, name, cwd, agent, command, env, restart_policy, state, created_at, updated_at) VALUES ('a', 'a', '/a', 'generic', '[]', '{}', 'no', 'exited', 'x', 'x')").run();
    db.close();
    const again = openDatabase(path);
    assert.equal(again.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal((again.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n, 1);
    again.close();
  });

  it('refuses a database from a newer rcd with a clear message and leaves it untouched', () => {
    const path = join(dir, 'newer.db');
    const newer = SCHEMA_VERSION + 1;
    const raw = new Database(path);
    raw.pragma(`user_version = ${newer}`);
    raw.close();

    assert.throws(() => openDatabase(path), (err: unknown) => {
      assert.ok(err instanceof RcdError, String(err));
      assert.match(err.message, /newer rcd/);
      assert.ok(err.message.includes(`schema ${newer}`), err.message);
      assert.ok(err.message.includes(String(SCHEMA_VERSION)), err.message);
      assert.match(err.message, /upgrade rcd/);
      return true;
    });

    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), newer);
    assert.equal((check.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n, 0);
    check.close();
  });
});

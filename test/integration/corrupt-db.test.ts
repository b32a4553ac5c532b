// A corrupt database is moved aside and rebuilt from the per-session files: the daemon comes up, says what
// happened, and running agents are re-adopted with their output — never a crash loop. A database from a newer
// rcd is refused with a clear message and left untouched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { CLI, Rcd, fixture, isAlive, waitFor } from '../helpers/harness.js';

describe('database trouble', () => {
  it('replaces a corrupt database and re-adopts running agents from their files', async () => {
    const rcd = new Rcd();
    try {
      const cwd = join(rcd.home, 'w');
      mkdirSync(cwd);
      const id = (await rcd.ok(['start', '--cwd', cwd, '--name', 'keeper', '--', process.execPath, fixture('echo.mjs')])).trim();
      await rcd.ok(['send', 'keeper', 'before']);
      await waitFor(async () => (await rcd.logs(id)).includes('echo: before'), 'the echo');
      const pid = (await rcd.session(id)).pid as number;
      await rcd.ok(['shutdown']);
      const db = join(rcd.home, 'rcd.db');
      for (const f of [`${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
      writeFileSync(db, Buffer.alloc(64 * 1024, 0xab)); // not a database any more

      const doc = await rcd.status();
      assert.equal(doc.daemon.pid > 0, true, 'the daemon came up');
      const warnings = (doc.daemon as unknown as { warnings: string[] }).warnings;
      assert.match(warnings.join('\n'), /database was corrupt.*moved to .*rcd\.db\.corrupt-.*1 session\(s\) were rebuilt/);
      assert.ok(readdirSync(rcd.home).some((f) => f.startsWith('rcd.db.corrupt-')), 'the corrupt file is kept aside');
      const s = await rcd.session(id);
      assert.equal(s.name, 'keeper');
      assert.equal(s.state, 'running');
      assert.equal(s.pid, pid, 'the running agent was re-adopted');
      assert.ok(isAlive(pid));
      await rcd.ok(['send', 'keeper', 'after']);
      await waitFor(async () => (await rcd.logs(id)).includes('echo: after'), 'the echo after recovery');
      assert.equal(await rcd.logs(id), 'ready\necho: before\necho: after\n', 'output from before the corruption is back');
      const table = await rcd.ok(['status']);
      assert.match(table, /warning: the database was corrupt/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('refuses a database written by a newer rcd, clearly, without touching it', async () => {
    const rcd = new Rcd();
    try {
      const path = join(rcd.home, 'rcd.db');
      const db = new Database(path);
      db.pragma('user_version = 999');
      db.close();
      const r = spawnSync(process.execPath, [CLI, 'daemon'], { env: rcd.env, encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /written by a newer rcd \(schema 999/);
      const again = new Database(path, { readonly: true });
      assert.equal(again.pragma('user_version', { simple: true }), 999, 'left as it was');
      again.close();
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

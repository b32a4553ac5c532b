// No secret reaches a log: the caller's environment (stored with the session) and the text sent to an agent
// stay out of the daemon's log files; the files that do hold them are owner-only, and `rcd rm` leaves no copy of
// the environment in the database, its WAL or the session's files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';

/** Every file under `dir` (recursively) whose bytes contain `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue; // the stdin FIFO and the socket hold nothing at rest
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

describe('secrets', () => {
  it('keeps the session environment and sent text out of every log, and state files owner-only', async () => {
    const rcd = new Rcd();
    try {
      const envSecret = `env-${randomBytes(16).toString('hex')}`;
      const sentSecret = `sent-${randomBytes(16).toString('hex')}`;
      const cwd = join(rcd.home, 'w');
      mkdirSync(cwd);
      rcd.writeConfig({ logLevel: 'trace' }); // the most talkative the daemon gets
      await rcd.ok(['start', '--cwd', cwd, '--name', 's', '--', process.execPath, fixture('echo.mjs')], { env: { API_TOKEN: envSecret } });
      await rcd.ok(['send', 's', sentSecret]);
      await waitFor(async () => (await rcd.logs('s')).includes(sentSecret), 'the echo');
      await rcd.ok(['stop', 's']);
      await rcd.ok(['shutdown']);
      const logs = join(rcd.home, 'logs');
      const files = readdirSync(logs);
      assert.ok(files.includes('daemon.log'));
      for (const f of files) {
        const text = readFileSync(join(logs, f), 'utf8');
        assert.ok(!text.includes(envSecret), `${f} must not contain the session's environment`);
        assert.ok(!text.includes(sentSecret), `${f} must not contain text sent to the agent`);
        assert.equal(statSync(join(logs, f)).mode & 0o077, 0, `${f} is owner-only`);
      }
      assert.equal(statSync(join(rcd.home, 'rcd.db')).mode & 0o077, 0, 'the database (which holds the environment) is owner-only');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
  it('rcd rm leaves no copy of the environment in the database, its WAL or the session directory', async () => {
    const rcd = new Rcd();
    try {
      const marker = `rm-env-${randomBytes(16).toString('hex')}`;
      const cwd = rcd.workdir('w');
      const id = (await rcd.ok(['start', '--cwd', cwd, '--name', 'gone', '--', process.execPath, fixture('echo.mjs')], { env: { RCD_MARKER: marker } })).trim();
      await rcd.ok(['send', 'gone', 'hello']);
      await waitFor(async () => (await rcd.logs('gone')).includes('hello'), 'the echo');
      await rcd.ok(['stop', 'gone']);
      await rcd.ok(['restart', 'gone']); // more versions of the row, in more WAL frames
      await rcd.ok(['stop', 'gone']);
      const dir = join(rcd.home, 'sessions', id);
      const file = join(dir, 'session.json');
      // The search finds it where it is: the restore copy (owner-only) and the database files.
      assert.ok(readFileSync(file).includes(marker), 'session.json holds the environment while the session exists');
      assert.equal(statSync(file).mode & 0o077, 0, 'session.json is owner-only');
      assert.ok(filesHolding(rcd.home, marker).some((f) => f.includes('rcd.db')), 'the database holds it while the session exists');
      await rcd.ok(['rm', 'gone']); // with the daemon running: its WAL is live
      assert.ok(!existsSync(dir), 'the session directory is gone');
      for (const f of ['rcd.db', 'rcd.db-wal', 'rcd.db-shm']) {
        const path = join(rcd.home, f);
        if (existsSync(path)) assert.ok(!readFileSync(path).includes(marker), `${f} must not hold the removed session's environment`);
      }
      assert.deepEqual(filesHolding(rcd.home, marker), [], 'no file under RCD_HOME holds it');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('shows only the origin of a relay URL that carries a password, valid or not, in status and logs', async () => {
    for (const url of ['http://bob:PW@127.0.0.1:9/path?key=PW', 'relay:bob:PW@nowhere']) {
      const rcd = new Rcd();
      try {
        const secret = `pw-${randomBytes(12).toString('hex')}`;
        rcd.env.RCD_RELAY_URL = url.replaceAll('PW', secret);
        const shown = await rcd.ok(['status', '--json']);
        assert.ok(!shown.includes(secret), `status must not show the password of ${url}`);
        const link = (JSON.parse(shown) as { daemon: { link: { relay: string | null } } }).daemon.link;
        assert.equal(link.relay, url.startsWith('http:') ? 'http://127.0.0.1:9' : null);
        await rcd.ok(['shutdown']);
        for (const f of readdirSync(join(rcd.home, 'logs'))) {
          assert.ok(!readFileSync(join(rcd.home, 'logs', f), 'utf8').includes(secret), `${f} must not hold the relay URL's password`);
        }
      } finally {
        assert.deepEqual(await rcd.teardown(), []);
      }
    }
  });
});

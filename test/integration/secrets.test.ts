// No secret reaches a log: the caller's environment (stored with the session) and the text sent to an agent
// stay out of the daemon's log files; the files that do hold them are owner-only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';

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

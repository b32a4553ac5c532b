// The relay link end to end on 127.0.0.1: a real daemon linked to a real relay, reached by `rcd remote` with
// nothing but the session URL. Prompts reach the agent and replies come back; rotated, revoked and forged URLs
// are refused and nothing they send reaches the agent.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { RelayProcess } from '../helpers/relay.js';

describe('relay link', () => {
  let rcd: Rcd;
  let relay: RelayProcess | undefined;
  let url = '';

  before(async () => {
    rcd = new Rcd();
    relay = await RelayProcess.start(rcd.home, rcd.env);
    rcd.env.RCD_RELAY_URL = relay.url;
    const cwd = join(rcd.home, 'w');
    mkdirSync(cwd);
    await rcd.ok(['start', '--cwd', cwd, '--name', 'echo', '--', process.execPath, fixture('echo.mjs')]);
  });
  after(async () => {
    try {
      await relay?.stop();
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('links, and `rcd url` prints a URL that works as soon as it is printed', async () => {
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to connect');
    url = (await rcd.ok(['url', 'echo'])).trim();
    assert.match(url, new RegExp(`^${relay?.url}/s/[A-Za-z0-9_-]{43}$`));
    assert.equal((await rcd.ok(['url', 'echo'])).trim(), url, 'the same URL again');
    const st = JSON.parse(await rcd.ok(['remote', 'status', url, '--json'])) as { session: { name: string; state: string } };
    assert.equal(st.session.name, 'echo');
    assert.equal(st.session.state, 'running');
  });

  it('a prompt from `rcd remote send` reaches the agent and its reply comes back through the relay', async () => {
    await rcd.ok(['remote', 'send', url, 'hello from afar']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: hello from afar'), 'the agent to get the prompt');
    await waitFor(async () => (await rcd.ok(['remote', 'logs', url])) === (await rcd.logs('echo')), 'remote logs to catch up');
    assert.equal(await rcd.ok(['remote', 'logs', url]), 'ready\necho: hello from afar\n');
  });

  it('refuses a forged URL (one character changed) and nothing reaches the agent', async () => {
    const last = url.at(-1) as string;
    const forged = url.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    for (const cmd of [['status', forged], ['logs', forged], ['send', forged, 'forged prompt']]) {
      const r = await rcd.run(['remote', ...cmd]);
      assert.equal(r.code, 1, `remote ${cmd[0]} with a forged URL`);
      assert.match(r.stderr, /does not know this URL/);
    }
    assert.ok(!(await rcd.logs('echo')).includes('forged prompt'));
  });

  it('rotation: the old URL stops working at once, the new one works', async () => {
    const rotated = (await rcd.ok(['url', 'echo', '--rotate'])).trim();
    assert.notEqual(rotated, url);
    const old = await rcd.run(['remote', 'send', url, 'through the old url']);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /replaced by a newer one/);
    await rcd.ok(['remote', 'send', rotated, 'through the new url']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: through the new url'), 'the new URL to work');
    assert.ok(!(await rcd.logs('echo')).includes('through the old url'));
    url = rotated;
  });

  it('revocation: the URL is refused, `rcd url` says so, and --rotate issues a new one', async () => {
    const out = await rcd.ok(['url', 'echo', '--revoke']);
    assert.match(out, /revoked/);
    const r = await rcd.run(['remote', 'status', url]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /revoked/);
    const plain = await rcd.run(['url', 'echo']);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /revoked.*--rotate/);
    const fresh = (await rcd.ok(['url', 'echo', '--rotate'])).trim();
    await rcd.ok(['remote', 'status', fresh]);
    url = fresh;
  });

  it('a prompt sent while the daemon is down is kept by the relay and delivered once it links again', async () => {
    await rcd.ok(['shutdown']);
    await rcd.ok(['remote', 'send', url, 'while you were out']);
    await rcd.ok(['status']); // brings the daemon back; it re-adopts the agent and links
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: while you were out'), 'the queued prompt');
    const count = (await rcd.logs('echo')).split('echo: while you were out').length - 1;
    assert.equal(count, 1);
  });
});

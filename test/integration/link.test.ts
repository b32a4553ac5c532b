// The relay link end to end on 127.0.0.1: a real daemon linked to a real relay, reached by `rcd remote` with
// nothing but the session URL. Prompts reach the agent and replies come back; rotated, revoked and forged URLs
// are refused and nothing they send reaches the agent.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { RelayProcess } from '../helpers/relay.js';
import { apiOf } from '../helpers/relay-client.js';

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
    // The key is in the fragment: the relay never gets it (browsers do not send it, rcd remote strips it).
    assert.match(url, new RegExp(`^${relay?.url}/s/[0-9a-f]{16}#c\\.[A-Za-z0-9_-]{43}$`));
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

  it('a view URL reads the session and steers nothing, through rcd remote or the relay API itself', async () => {
    const view = (await rcd.ok(['url', 'echo', '--view'])).trim();
    assert.match(view, new RegExp(`^${relay?.url}/s/[0-9a-f]{16}#v\\.[A-Za-z0-9_-]{43}$`));
    assert.equal(view.split('#')[0], url.split('#')[0], 'the same session, another key');
    const st = JSON.parse(await rcd.ok(['remote', 'status', view, '--json'])) as { scope: string; session: { name: string } };
    assert.deepEqual([st.scope, st.session.name], ['view', 'echo']);
    assert.equal(await rcd.ok(['remote', 'logs', view]), await rcd.logs('echo'));
    const send = await rcd.run(['remote', 'send', view, 'from a viewer']);
    assert.equal(send.code, 1);
    assert.match(send.stderr, /view-only URL/);
    // Past the CLI: the relay itself refuses the view credential on every steering endpoint.
    const api = await apiOf(view);
    // (A view URL holds no proof key, so whatever it sends is refused by the daemon too; the relay does not store it.)
    const forged = { nonce: 'viewer-nonce-0001', sealed: `1.${'A'.repeat(16)}.${'A'.repeat(40)}`, proof: 'A'.repeat(43) };
    const res = await fetch(`${api}/instructions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged) });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'VIEW_ONLY');
    await rcd.ok(['send', 'echo', 'a local marker']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: a local marker'), 'the local prompt');
    assert.ok(!(await rcd.logs('echo')).includes('from a viewer'));
  });

  it('refuses a forged URL (one character of its key changed) and nothing reaches the agent', async () => {
    const at = url.indexOf('#c.') + 3; // a whole character of the key (the last one also holds padding bits)
    const forged = url.slice(0, at) + (url[at] === 'A' ? 'B' : 'A') + url.slice(at + 1);
    for (const cmd of [['status', forged], ['logs', forged], ['send', forged, 'forged prompt']]) {
      const r = await rcd.run(['remote', ...cmd]);
      assert.equal(r.code, 1, `remote ${cmd[0]} with a forged URL`);
      assert.match(r.stderr, /does not know this URL/);
    }
    assert.ok(!(await rcd.logs('echo')).includes('forged prompt'));
  });

  it('rotation: the old URL stops working at once, the new one works', async () => {
    const oldView = (await rcd.ok(['url', 'echo', '--view'])).trim();
    const rotated = (await rcd.ok(['url', 'echo', '--rotate'])).trim();
    assert.notEqual(rotated, url);
    const viewed = await rcd.run(['remote', 'status', oldView]);
    assert.equal(viewed.code, 1, 'the view URL of the old key stops working with it');
    assert.match(viewed.stderr, /replaced by a newer one/);
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

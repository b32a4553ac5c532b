// The device URL (`rcd url --device`) end to end with a real daemon and relay on 127.0.0.1: one URL lists every
// session of the daemon, present and future, and reads and steers each (`rcd remote ... --session`); its view twin
// reads only; rotation and revocation take effect before the command returns; a session's own URL being revoked
// does not stop the device URL, and the device URL being revoked does not stop a session's own URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { RelayProcess } from '../helpers/relay.js';
import { apiOf } from '../helpers/relay-client.js';
import { EventOpener } from '../../src/e2e/records.js';
import { apiBase, deviceSession, parseRemoteUrl, type DeviceUrl } from '../../src/e2e/url.js';
import { DeviceStatusResponse, RemoteEventsResponse } from '../../src/protocol/relay.js';

interface Listed { id: string; name: string; state: string; live: boolean; error?: string }

describe('device URL', () => {
  let rcd: Rcd;
  let relay: RelayProcess | undefined;
  let device = '';

  const list = async (url = device) =>
    (JSON.parse(await rcd.ok(['remote', 'status', url, '--json'])) as { scope: string; daemonOnline: boolean; sessions: Listed[] });
  const start = (name: string) => rcd.ok(['start', '--cwd', rcd.workdir(name), '--name', name, '--', process.execPath, fixture('echo.mjs')]);

  before(async () => {
    rcd = new Rcd('rcd-device-');
    relay = await RelayProcess.start(rcd.home, rcd.env);
    rcd.env.RCD_RELAY_URL = relay.url;
    await start('alpha');
    await start('bravo');
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to connect');
  });
  after(async () => {
    try {
      await relay?.stop();
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('lists every session of the daemon, present and future, by their sealed names', async () => {
    device = (await rcd.ok(['url', '--device'])).trim();
    assert.match(device, new RegExp(`^${relay?.url}/d/[0-9a-f]{16}#c\\.[A-Za-z0-9_-]{43}$`));
    assert.equal((await rcd.ok(['url', '--device'])).trim(), device, 'the same URL until it is rotated');
    const first = await list();
    assert.deepEqual([first.scope, first.daemonOnline], ['control', true]);
    assert.deepEqual(first.sessions.map((s) => [s.name, s.state]).sort(), [['alpha', 'running'], ['bravo', 'running']]);
    await start('charlie');
    await waitFor(async () => (await list()).sessions.some((s) => s.name === 'charlie' && s.state === 'running'), 'a session started later to be listed');
    const table = await rcd.ok(['remote', 'status', device]);
    assert.match(table, /daemon online; this device URL reads and steers/);
    assert.match(table, /charlie\s+running\s+generic/);
  });

  it('reads and steers each session with --session (a name or an id prefix)', async () => {
    await rcd.ok(['remote', 'send', device, '--session', 'alpha', 'through the device']);
    await waitFor(async () => (await rcd.logs('alpha')).includes('echo: through the device'), 'the prompt to reach alpha');
    assert.ok(!(await rcd.logs('bravo')).includes('through the device'), 'and only alpha');
    const bravo = (await list()).sessions.find((s) => s.name === 'bravo') as Listed;
    await rcd.ok(['remote', 'send', device, '--session', bravo.id.slice(0, 6), 'by id']);
    await waitFor(async () => (await rcd.ok(['remote', 'logs', device, '--session', 'bravo'])).includes('echo: by id'), 'bravo\'s output through the device URL');
    const st = JSON.parse(await rcd.ok(['remote', 'status', device, '--session', 'bravo', '--json'])) as { session: { name: string }; scope: string };
    assert.deepEqual([st.session.name, st.scope], ['bravo', 'control']);
    const none = await rcd.run(['remote', 'send', device, 'which one?']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /device URL.*--session/);
    const unknown = await rcd.run(['remote', 'send', device, '--session', 'nope', 'x']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no session named nope/);
  });

  it('a session URL revoked leaves the device URL working, and its own URL never opens another session', async () => {
    const own = (await rcd.ok(['url', 'alpha'])).trim();
    await rcd.ok(['url', 'alpha', '--revoke']);
    assert.equal((await rcd.run(['remote', 'status', own])).code, 1);
    await rcd.ok(['remote', 'send', device, '--session', 'alpha', 'after the revocation']);
    await waitFor(async () => (await rcd.logs('alpha')).includes('echo: after the revocation'), 'the device URL to still steer alpha');
    // A session URL's credential is not a device credential: the relay does not list the daemon for it.
    const res = await fetch((await apiOf((await rcd.ok(['url', 'bravo'])).trim())).replace('/api/s/', '/api/d/'));
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });

  it('its view twin lists and reads, and steers nothing, through rcd remote or the relay API', async () => {
    const view = (await rcd.ok(['url', '--device', '--view'])).trim();
    assert.equal(view.split('#')[0], device.split('#')[0]);
    const l = await list(view);
    assert.equal(l.scope, 'view');
    assert.ok(l.sessions.some((s) => s.name === 'alpha'));
    assert.equal(await rcd.ok(['remote', 'logs', view, '--session', 'alpha']), await rcd.logs('alpha'));
    const send = await rcd.run(['remote', 'send', view, '--session', 'alpha', 'from a viewer']);
    assert.equal(send.code, 1);
    assert.match(send.stderr, /view-only URL/);
    const alpha = l.sessions.find((s) => s.name === 'alpha') as Listed;
    const forged = { nonce: 'viewer-nonce-0001', sealed: `1.${'A'.repeat(16)}.${'A'.repeat(40)}`, proof: 'A'.repeat(43) };
    const res = await fetch(`${await apiBase(parseRemoteUrl(view))}/s/${alpha.id}/instructions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged),
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'VIEW_ONLY');
  });

  it('--rotate replaces it (the old one is refused at once, and its keys open nothing sealed after), --revoke ends it', async () => {
    // What the old device URL could open of charlie, even with the relay's help: the envelope it was handed.
    const oldUrl = parseRemoteUrl(device) as DeviceUrl;
    const before = DeviceStatusResponse.parse(await (await fetch(await apiBase(oldUrl))).json());
    const charlie = (await list()).sessions.find((s) => s.name === 'charlie') as Listed;
    const oldEnvelope = before.sessions.find((s) => s.session.id === charlie.id)?.envelope;
    assert.ok(oldEnvelope);
    const oldKeys = await EventOpener.forUrl(deviceSession(oldUrl, charlie.id), oldEnvelope);
    const rotated = (await rcd.ok(['url', '--device', '--rotate'])).trim();
    assert.notEqual(rotated, device);
    const old = await rcd.run(['remote', 'status', device]);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /replaced by a newer one/);
    assert.ok((await list(rotated)).sessions.length === 3);
    await rcd.ok(['remote', 'send', rotated, '--session', 'charlie', 'after the rotation']);
    await waitFor(async () => (await rcd.logs('charlie')).includes('echo: after the rotation'), 'the new device URL to steer');
    const events = RemoteEventsResponse.parse(await (await fetch(`${await apiBase(parseRemoteUrl(rotated))}/s/${charlie.id}/events?after=0`)).json()).events;
    const newest = events.at(-1);
    assert.ok(newest);
    assert.equal(oldKeys.holdsKeyOf(newest.data), false, 'sealed under a key the old device URL never had');
    await assert.rejects(oldKeys.read(newest));
    assert.equal(await rcd.ok(['remote', 'logs', rotated, '--session', 'charlie']), await rcd.logs('charlie'), 'the new URL reads it all');
    await rcd.ok(['remote', 'stop', rotated, '--session', 'charlie']);
    await waitFor(async () => (await rcd.session('charlie')).state === 'stopped', 'charlie to be stopped from afar');
    const firstRun = (await rcd.session('charlie')).pid;
    await rcd.ok(['remote', 'restart', rotated, '--session', 'charlie']);
    await waitFor(async () => {
      const c = await rcd.session('charlie');
      return c.state === 'running' && c.pid !== firstRun;
    }, 'charlie to be restarted from afar');
    const timed = JSON.parse(await rcd.ok(['url', '--device', '--expires-in', '2h', '--json'])) as { url: string; expiresAt: string };
    assert.ok(Math.abs(Date.parse(timed.expiresAt) - (Date.now() + 2 * 3600_000)) < 60_000, timed.expiresAt);
    assert.equal((await rcd.run(['remote', 'status', rotated])).code, 1, 'a new lifetime is a new URL');
    assert.equal((await list(timed.url)).sessions.length, 3);
    const bravo = (await rcd.ok(['url', 'bravo'])).trim();
    const revoked = await rcd.ok(['url', '--device', '--revoke']);
    assert.match(revoked, /device URL is revoked/);
    const r = await rcd.run(['remote', 'status', timed.url]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /revoked/);
    const again = await rcd.run(['url', '--device']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /--device --rotate/);
    assert.equal((await rcd.run(['remote', 'status', bravo])).code, 0, 'a session URL still works');
    const usage = await rcd.run(['url', 'bravo', '--device']);
    assert.equal(usage.code, 2);
  });
});

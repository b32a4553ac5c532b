// The device page's client for instructions to the daemon itself (src/web/device-api.ts, bundled as the page bundles
// it), run in Node against a real relay and daemon on 127.0.0.1: what the start form and the Notify button send.
// A headless Chromium cannot subscribe to a push service (test-browser/webapp.test.ts), so the push-subscribe path
// the Notify button takes after subscribing is exercised here with a subscription's shape: the daemon takes it and
// forgets it again. A view-only device URL asks nothing; an answer not in time is "queued" (null).
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { RelayProcess } from '../helpers/relay.js';
import { importWeb } from '../helpers/web-bundle.js';
import { parseRemoteUrl, type DeviceUrl } from '../../src/e2e/url.js';

interface DeviceApi {
  askDaemon(d: DeviceUrl, body: Record<string, unknown>, waitMs: number): Promise<{ id: string; result: Record<string, unknown> | null }>;
}

describe('the web page\'s device-instruction client', () => {
  let rcd: Rcd;
  let relay: RelayProcess | undefined;
  let api: DeviceApi;
  let device: DeviceUrl;

  before(async () => {
    api = await importWeb<DeviceApi>(['device-api.ts']);
    rcd = new Rcd('rcd-webdev-');
    relay = await RelayProcess.start(rcd.home, rcd.env);
    rcd.env.RCD_RELAY_URL = relay.url;
    await rcd.ok(['start', '--cwd', rcd.workdir('a'), '--name', 'a', '--', process.execPath, fixture('echo.mjs')]);
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to connect');
    device = parseRemoteUrl((await rcd.ok(['url', '--device'])).trim()) as DeviceUrl;
  });
  after(async () => {
    try {
      await relay?.stop();
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('asks for directories and gets the daemon\'s refusal while remote start is off', async () => {
    const { result } = await api.askDaemon(device, { kind: 'dirs' }, 20_000);
    assert.equal(result?.ok, false);
    assert.match(String(result?.error), /remote start is off on this machine/);
  });

  it('hands a push subscription to the daemon and takes it back', async () => {
    const p256dh = createECDH('prime256v1');
    p256dh.generateKeys();
    const subscription = {
      endpoint: 'https://push.example.test/send/abc',
      keys: { p256dh: p256dh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
    };
    const on = await api.askDaemon(device, { kind: 'push-subscribe', subscription }, 20_000);
    assert.deepEqual(on.result, { ok: true, subscribed: true });
    const off = await api.askDaemon(device, { kind: 'push-unsubscribe', endpoint: subscription.endpoint }, 20_000);
    assert.deepEqual(off.result, { ok: true, subscribed: false });
  });

  it('says "not yet" (null) when no answer comes in time, and refuses a view-only URL', async () => {
    const queued = await api.askDaemon(device, { kind: 'dirs' }, 0);
    assert.match(queued.id, /^[A-Za-z0-9_-]+$/);
    assert.equal(queued.result, null);
    const view = parseRemoteUrl((await rcd.ok(['url', '--device', '--view'])).trim()) as DeviceUrl;
    await assert.rejects(api.askDaemon(view, { kind: 'dirs' }, 1000), /view-only device URL/);
  });
});

// The daemon's link against a real `rcd relay` that enforces limits: a registration answered 429 waits its
// Retry-After (no hammering, nothing lost) and then links; an event the relay refuses as too large goes up as a
// stand-in so the stream carries on; a session over the relay's per-daemon limit is refused alone (`rcd url` says
// why) while the link and the other session carry on.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { withRelay } from '../helpers/relay.js';
import { readEvents } from '../helpers/relay-client.js';


describe('link: a relay that enforces limits', () => {
  it('waits out a 429 on register (Retry-After), then links with nothing lost', async () => {
    const rcd = new Rcd('rcd-linklimit-');
    // One registration at once, then one every 10 s: the test takes the first, the daemon waits for the next.
    await withRelay(rcd, async (relay) => {
      assert.equal((await fetch(`${relay.url}/api/daemon/register`, { method: 'POST', body: '{}' })).status, 200);
      await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'echo', '--', process.execPath, fixture('echo.mjs')]);
      const refused = await waitFor(async () => {
        const link = (await rcd.status()).daemon.link as { state: string; error?: string | null };
        return link.state === 'backoff' && /429/.test(link.error ?? '') ? link : null;
      }, 'the link to back off after a 429');
      assert.match(refused.error ?? '', /too many daemons registered from this address/);
      await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to connect after Retry-After', 30_000);
      const url = (await rcd.ok(['url', 'echo'])).trim();
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])) === (await rcd.logs('echo')), 'the output from before the link to reach the relay');
      const log = readFileSync(join(relay.dataDir, 'relay.log'), 'utf8');
      const attempts = log.split('\n').filter((l) => l.includes('"path":"/api/daemon/register"') && l.includes('"status":429')).length;
      assert.ok(attempts >= 1 && attempts <= 3, `${attempts} refused registrations: the daemon waited as told`);
    }, ['--register-burst', '1', '--register-per-hour', '360']);
  });

  it('sends a stand-in for an event over --max-event-bytes, and a session over --max-sessions is refused alone', async () => {
    const rcd = new Rcd('rcd-linklimit-');
    await withRelay(rcd, async () => {
      await rcd.ok(['start', '--cwd', rcd.workdir('a'), '--name', 'big', '--', process.execPath, fixture('echo.mjs')]);
      const url = (await rcd.ok(['url', 'big'])).trim();
      // One output line of 3 KB: 4 KB of base64, over the relay's 1 KiB per event.
      const long = 'x'.repeat(3000);
      await rcd.ok(['send', 'big', long]);
      await waitFor(async () => (await rcd.logs('big')).includes(`echo: ${long}`), 'the agent to echo the long line');
      await rcd.ok(['send', 'big', 'short one']);
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])).includes('echo: short one'), 'output after the refused event to reach the relay');
      const remote = await rcd.ok(['remote', 'logs', url]);
      assert.ok(remote.startsWith('ready\n') && !remote.includes('xxxx'), 'everything but the one event');
      const events = await readEvents(url);
      const standIn = events.map((e) => (e.kind === 'state' ? (JSON.parse(e.text) as { omitted?: { kind: string; chars: number; why: string } }).omitted : undefined)).find(Boolean);
      assert.ok(standIn, 'a stand-in says what was left out');
      assert.equal(standIn.kind, 'output');
      assert.ok(standIn.chars > 1024);
      assert.match(standIn.why, /at most 1024/);

      // The relay takes one session of this daemon: the second is refused alone, and `rcd url` says why.
      await rcd.ok(['start', '--cwd', rcd.workdir('b'), '--name', 'two', '--', process.execPath, fixture('echo.mjs')]);
      const second = await rcd.run(['url', 'two']);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /refused this session \(.*429.*1 sessions on the relay, its limit.*\); the URL is recorded here but does not work/);
      assert.equal((await rcd.status()).daemon.link.state, 'connected');
      await rcd.ok(['remote', 'send', url, 'still linked']);
      await waitFor(async () => (await rcd.logs('big')).includes('echo: still linked'), 'the prompt through the relay');
    }, ['--max-event-bytes', '1024', '--max-sessions', '1']);
  });
});

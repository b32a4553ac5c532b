// Two relay instances on one PostgreSQL database, as behind a load balancer: a daemon linked to instance A is read
// and steered through instance B (B's held follower and A's held daemon poll are woken across instances, through
// LISTEN/NOTIFY), A killed -9 loses nothing (prompts B took while A was gone each run once after A returns), and a
// URL rotated through A is refused at B at once, held followers included. Real processes: the daemon, the relays,
// `rcd remote`, the echo agent; a throwaway cluster.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { POLL_HOLD_MS } from '../src/protocol/relay.js';
import { Rcd, fixture, waitFor } from '../test/helpers/harness.js';
import { RelayProcess } from '../test/helpers/relay.js';
import { apiOf } from '../test/helpers/relay-client.js';
import { testPg } from './pg.js';

const pgs = testPg();

/** The same URL through another instance: only the origin changes (the path and the key stay). */
const through = (relay: RelayProcess, url: string): string => relay.url + url.slice(new URL(url).origin.length);

const count = (text: string, line: string): number => text.split(line).length - 1;

describe('two relay instances sharing PostgreSQL', () => {
  let rcd: Rcd;
  let a: RelayProcess;
  let b: RelayProcess;
  let url = '';

  before(async () => {
    rcd = new Rcd();
    const store = await pgs.createDatabase('instances');
    a = new RelayProcess(join(rcd.home, 'relay-a'), rcd.env, ['--store', store]);
    b = new RelayProcess(join(rcd.home, 'relay-b'), rcd.env, ['--store', store]);
    await a.start();
    await b.start();
    rcd.env.RCD_RELAY_URL = a.url;
    const cwd = join(rcd.home, 'w');
    mkdirSync(cwd);
    await rcd.ok(['start', '--cwd', cwd, '--name', 'echo', '--', process.execPath, fixture('echo.mjs')]);
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to A to connect');
    url = (await rcd.ok(['url', 'echo'])).trim();
    assert.ok(url.startsWith(`${a.url}/s/`), 'the daemon hands out URLs of the instance it is linked to');
  });
  after(async () => {
    try {
      await a?.stop();
      await b?.stop();
    } finally {
      assert.deepEqual(await rcd.teardown(), [], 'no process of this home left running');
    }
  });

  it('reads and steers through B a session linked to A; B reports the daemon online', async () => {
    for (const r of [a, b]) assert.deepEqual(await (await fetch(`${r.url}/api/health`)).json(), { ok: true });
    const viaB = through(b, url);
    const st = JSON.parse(await rcd.ok(['remote', 'status', viaB, '--json'])) as { session: { name: string; state: string }; daemonOnline: boolean };
    assert.deepEqual([st.session.name, st.session.state, st.daemonOnline], ['echo', 'running', true]);
    // A follower held on B for output after the newest it has: the output it waits for is uploaded to A, and only a
    // wake-up from A answers it before its hold runs out.
    const api = await apiOf(viaB);
    const before = (await (await fetch(api)).json()) as { lastSeq: number; view: string };
    const heldSince = Date.now();
    const held = fetch(`${api}/events?after=${before.lastSeq}&view=${before.view}&wait=${POLL_HOLD_MS}`, { signal: AbortSignal.timeout(POLL_HOLD_MS + 5_000) });
    await rcd.ok(['remote', 'send', viaB, 'hello through B']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: hello through B'), 'the prompt sent to B to reach the agent linked to A');
    const answer = await held;
    const news = (await answer.json()) as { events: unknown[]; view: string };
    assert.equal(answer.status, 200, JSON.stringify(news));
    assert.ok(news.events.length > 0 || news.view !== before.view, 'the follower held on B got what the daemon sent A');
    assert.ok(Date.now() - heldSince < POLL_HOLD_MS / 2, 'woken, not timed out');
    await waitFor(async () => (await rcd.ok(['remote', 'logs', viaB])).includes('echo: hello through B'), 'the reply to be readable through B');
  });

  it('wakes across instances: a prompt sent to B reaches the daemon holding its poll on A well within a poll\'s hold', async () => {
    // The daemon's poll on A holds for POLL_HOLD_MS; only a wake-up from B can bring the prompt sooner than that.
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link');
    const sent = Date.now();
    await rcd.ok(['remote', 'send', through(b, url), 'woken across']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: woken across'), 'the prompt', POLL_HOLD_MS / 2);
    assert.ok(Date.now() - sent < POLL_HOLD_MS / 2);
  });

  it('A killed -9: B takes prompts meanwhile, and each runs once after A returns', async () => {
    await a.kill9();
    const viaB = through(b, url);
    for (const n of [1, 2, 3]) await rcd.ok(['remote', 'send', viaB, `while A was down ${n}`]);
    // B stops vouching for the daemon once A's heartbeat is stale (A cannot withdraw its links: it was killed).
    const online = async () => (JSON.parse(await rcd.ok(['remote', 'status', viaB, '--json'])) as { daemonOnline: boolean }).daemonOnline;
    await waitFor(async () => !(await online()), 'B to report the daemon offline', 30_000, 500);
    assert.ok(!(await rcd.logs('echo')).includes('while A was down'), 'nothing ran while the daemon\'s instance was gone');
    await a.start(); // same port, same store
    await waitFor(online, 'B to report the daemon online again', 30_000, 250);
    await waitFor(async () => count(await rcd.logs('echo'), 'echo: while A was down 3') === 1, 'the prompts B took to run once A is back', 60_000);
    // A marker sent after them runs after them (instructions run in order): any duplicate would have come before it.
    await rcd.ok(['remote', 'send', viaB, 'marker after']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: marker after'), 'the marker');
    const logs = await rcd.logs('echo');
    for (const n of [1, 2, 3]) assert.equal(count(logs, `echo: while A was down ${n}`), 1, `prompt ${n} ran exactly once`);
    assert.ok(logs.indexOf('while A was down 1') < logs.indexOf('while A was down 3'), 'in the order B took them');
  });

  it('a URL rotated through A is refused at B at once, and a follower held on B is answered at once', async () => {
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to A again');
    const oldViaB = through(b, url);
    const api = await apiOf(oldViaB);
    // A follower waiting on B for events that will not come (after the newest it has): held up to POLL_HOLD_MS.
    const held = fetch(`${api}/events?after=999999&wait=${POLL_HOLD_MS}`, { signal: AbortSignal.timeout(POLL_HOLD_MS + 5_000) });
    const heldSince = Date.now();
    const rotated = (await rcd.ok(['url', 'echo', '--rotate'])).trim();
    const refused = await rcd.run(['remote', 'status', oldViaB]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /replaced by a newer one/);
    const answer = await held;
    assert.equal(answer.status, 410, 'the held follower is told the URL was rotated');
    assert.ok(Date.now() - heldSince < POLL_HOLD_MS / 2, 'at once, not when its hold ran out');
    await rcd.ok(['remote', 'send', through(b, rotated), 'through the rotated URL at B']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: through the rotated URL at B'), 'the new URL to work at B');
  });
});

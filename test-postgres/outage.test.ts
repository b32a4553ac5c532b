// The shared database going away and coming back under two running relay instances: while it is down each instance
// says so to a load balancer (GET /api/health: 503) and answers requests with an error rather than hanging or dying;
// once it is back they serve again without a restart, and the wake-up channel between them (LISTEN/NOTIFY) is
// re-established, so a prompt sent through B again reaches a daemon's poll held on A at once. A cluster of this
// file's own (it is stopped mid-test), real relay processes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { POLL_HOLD_MS } from '../src/protocol/relay.js';
import { waitFor } from '../test/helpers/harness.js';
import { startPgCluster, type PgCluster } from '../test/helpers/postgres.js';
import { RelayProcess } from '../test/helpers/relay.js';
import { RelayClient, newSessionId, newToken, sha } from '../test/helpers/relay-client.js';

describe('the shared database down and back', () => {
  let cluster: PgCluster;
  let home: string;
  let a: RelayProcess;
  let b: RelayProcess;

  before(async () => {
    cluster = startPgCluster();
    home = mkdtempSync(join(tmpdir(), 'rcd-outage-'));
    const store = await cluster.createDatabase('outage');
    a = new RelayProcess(join(home, 'a'), process.env, ['--store', store]);
    b = new RelayProcess(join(home, 'b'), process.env, ['--store', store]);
    await a.start();
    await b.start();
  });
  after(async () => {
    try {
      await a?.stop();
      await b?.stop();
    } finally {
      cluster?.stop();
      rmSync(home, { recursive: true, force: true });
    }
    assert.deepEqual(cluster.pids(), [], 'no PostgreSQL process left');
  });

  const health = async (r: RelayProcess) => (await fetch(`${r.url}/api/health`)).status;

  it('reports itself unhealthy while the store is down, keeps running, and serves again once it is back', async () => {
    const ca = new RelayClient(a.url);
    const cb = new RelayClient(b.url);
    const daemon = await ca.register();
    const [id, token] = [newSessionId(), newToken()];
    assert.equal((await ca.putSession(daemon.credential, id, sha(token))).status, 200);
    assert.deepEqual([await health(a), await health(b)], [200, 200]);

    cluster.halt();
    await waitFor(async () => (await health(a)) === 503 && (await health(b)) === 503, 'both instances to report the store down');
    const refused = await cb.prompt(token, 'during the outage');
    assert.ok(refused.status >= 500, `a request meanwhile gets an error (${refused.status}), not a hang`);
    for (const r of [a, b]) process.kill(r.pid as number, 0); // both instances still run (throws if one died)

    cluster.resume();
    await waitFor(async () => (await health(a)) === 200 && (await health(b)) === 200, 'both instances to serve again', 30_000);
    // The wake-up channel is back too (its reconnect is logged): a prompt through B wakes a poll held on A at once.
    await waitFor(() => /wake-up channel to the other relay instances is back/.test(readFileSync(join(home, 'a', 'relay.log'), 'utf8')), 'A to listen again', 30_000);
    const { answer } = await ca.hold(() => ca.call('GET', `/api/daemon/poll?wait=${POLL_HOLD_MS}`, undefined, daemon.credential));
    const sent = Date.now();
    assert.equal((await cb.prompt(token, 'after the outage')).status, 201);
    const polled = await answer;
    assert.equal(polled.status, 200);
    assert.equal((polled.json as { instructions: unknown[] }).instructions.length, 1);
    assert.ok(Date.now() - sent < POLL_HOLD_MS / 2, 'woken across instances, not at the end of its hold');
  });
});

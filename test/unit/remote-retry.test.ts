// `rcd remote` sends: a relay that answers 429/503 with Retry-After is asked again when it says (if that is soon),
// with the very same body, as after a network failure; other refusals are final at once.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { RcdError } from '../../src/common/errors.js';
import { RelayBusy, relayCall } from '../../src/cli/remote-client.js';
import { retrying } from '../../src/cli/commands/remote-steer.js';

describe('rcd remote: a busy relay', () => {
  it('turns 429/503 with Retry-After into RelayBusy, and any other refusal into a plain error', async () => {
    const answers = [[429, { 'retry-after': '2' }], [503, { 'retry-after': '0' }], [429, {}], [404, {}]] as const;
    let i = 0;
    const server = createServer((_req, res) => {
      const [status, headers] = answers[i++] ?? [500, {}];
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: { code: 'LIMIT', message: 'wait' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const call = () => relayCall({ api: `${origin}/api/s/x`, origin }, '/instructions', z.object({}), { method: 'POST', body: {} });
      await assert.rejects(call(), (e) => e instanceof RelayBusy && e.retryAfterMs === 2000);
      await assert.rejects(call(), (e) => e instanceof RelayBusy && e.retryAfterMs === 0);
      await assert.rejects(call(), (e) => e instanceof RcdError && !(e instanceof RelayBusy), 'no Retry-After: not a retry');
      await assert.rejects(call(), (e) => e instanceof RcdError && !(e instanceof RelayBusy));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('retries a busy answer after its Retry-After, and gives up at once when that is far off', async () => {
    let calls = 0;
    const t0 = Date.now();
    const ok = await retrying(async () => {
      calls++;
      if (calls === 1) throw new RelayBusy('busy', 200);
      return 'sent';
    });
    assert.deepEqual([ok, calls], ['sent', 2]);
    assert.ok(Date.now() - t0 >= 200, 'it waited as told');
    let far = 0;
    await assert.rejects(retrying(async () => {
      far++;
      throw new RelayBusy('busy for a while', 3_600_000);
    }), RelayBusy);
    assert.equal(far, 1, 'not retried: an hour is not soon');
  });
});

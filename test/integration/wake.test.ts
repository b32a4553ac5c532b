// A daemon frozen for 8 s (SIGSTOP, as a sleeping laptop freezes it) notices the wake within 5 s of SIGCONT.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rcd, waitFor } from '../helpers/harness.js';

describe('wake detection', () => {
  it('counts a wake after SIGSTOP 8 s / SIGCONT and reports it in status', async () => {
    const rcd = new Rcd();
    try {
      const before = (await rcd.status()).daemon;
      assert.equal(before.wakeCount, 0);
      process.kill(before.pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 8_000)); // the frozen time itself is what is being tested
      process.kill(before.pid, 'SIGCONT');
      const resumed = Date.now();
      const after = await waitFor(async () => {
        const d = (await rcd.status()).daemon;
        return d.wakeCount >= 1 ? d : null;
      }, 'the wake to be counted', 20_000);
      assert.equal(after.wakeCount, 1);
      assert.equal(after.pid, before.pid);
      // Timed by the daemon's own clock (when it noticed), not by how fast the CLI polls answer on a busy machine.
      const lastWakeAt = Date.parse((after as unknown as { lastWakeAt: string }).lastWakeAt);
      assert.ok(lastWakeAt >= resumed - 1_000, 'lastWakeAt is the time of the wake');
      assert.ok(lastWakeAt - resumed <= 5_000, `noticed ${lastWakeAt - resumed} ms after SIGCONT`);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

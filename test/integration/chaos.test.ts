// The short chaos run: the daemon is SIGKILLed at random moments while an agent writes numbered lines fast;
// the output is still exactly 1..N and the agent's pid never changed (scripts/chaos-kill9 is the long run).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runChaos } from '../../scripts/chaos-kill9.js';

describe('kill -9 during output', () => {
  it('loses and duplicates nothing across 12 daemon kills', async () => {
    const r = await runChaos({ kills: 12, lines: 5000, maxDelayMs: 120 });
    assert.equal(r.missing, 0, 'no line lost');
    assert.equal(r.duplicated, 0, 'no line stored twice');
    assert.equal(r.outOfOrder, 0, 'in order');
    assert.equal(r.lines, 5000);
    assert.equal(r.pidChanges, 0, 'the agent kept its pid: re-adopted, never restarted');
    assert.deepEqual(r.leftovers, [], 'no process left behind');
  });
});

// The heap shrinker (src/daemon/heap-shrink.ts): one full collection after the heap stayed grown for two
// heartbeats, none while idle, none for a heap that merely follows V8's own shrinking, and a new normal after.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROWTH_BYTES, HeapShrinker } from '../../src/daemon/heap-shrink.js';

const MB = 1024 * 1024;

/** A heap whose size the test sets; gc() brings it to `afterGc`. */
function fakeHeap(start: number) {
  const h = { size: start, afterGc: start, gcs: 0, calls: 0 };
  const shrinker = new HeapShrinker(() => {
    h.calls += 1;
    h.gcs = Math.ceil(h.calls / 2); // each shrink is two collections (see heap-shrink.ts)
    h.size = h.afterGc;
  }, () => h.size);
  return { h, shrinker };
}

describe('heap shrinker', () => {
  it('never collects while the heap keeps its size', () => {
    const { h, shrinker } = fakeHeap(6 * MB);
    for (let i = 0; i < 100; i++) assert.equal(shrinker.beat(), false);
    assert.equal(h.gcs, 0);
  });

  it('collects once after the heap stayed grown for two beats, and not again at the settled size', () => {
    const { h, shrinker } = fakeHeap(6 * MB);
    shrinker.beat();
    h.size = 6 * MB + GROWTH_BYTES + 1; // a burst
    h.afterGc = 6.3 * MB;
    assert.equal(shrinker.beat(), false, 'one beat above is not enough: the burst may be going on');
    assert.equal(shrinker.beat(), true);
    assert.equal(h.gcs, 1);
    for (let i = 0; i < 10; i++) shrinker.beat();
    assert.equal(h.gcs, 1, 'back at its size: nothing more to do');
  });

  it('a beat back below the mark starts the count again', () => {
    const { h, shrinker } = fakeHeap(6 * MB);
    shrinker.beat();
    h.size = 9 * MB;
    shrinker.beat();
    h.size = 6.5 * MB;
    shrinker.beat();
    h.size = 9 * MB;
    assert.equal(shrinker.beat(), false);
    assert.equal(shrinker.beat(), true);
  });

  it('follows the heap down when V8 shrinks it, and takes what a collection leaves as the new normal', () => {
    const { h, shrinker } = fakeHeap(12 * MB); // start-up, before V8's own reducer ran
    shrinker.beat();
    h.size = 6 * MB;
    shrinker.beat();
    h.size = 9 * MB; // above 6 + 2: counted from the lower size
    h.afterGc = 8.5 * MB; // more sessions: what it needs now
    shrinker.beat();
    assert.equal(shrinker.beat(), true);
    h.size = 9 * MB;
    for (let i = 0; i < 10; i++) shrinker.beat();
    assert.equal(h.gcs, 1, 'within GROWTH_BYTES of the new normal');
  });

  it('does nothing without gc() (the daemon started without --expose-gc)', () => {
    const shrinker = new HeapShrinker(null, () => 100 * MB);
    assert.equal(shrinker.beat(), false);
    assert.equal(shrinker.beat(), false);
  });
});

// The wake detector with an injected clock: a wall-clock jump past the monotonic clock (Linux suspend) and a
// heartbeat that fires late (macOS sleep, SIGSTOP) are wakes; ordinary jitter is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEARTBEAT_MS, WAKE_GAP_MS, WakeDetector, type Clock } from '../../src/daemon/wake.js';

function fakeClock(): Clock & { advance(wallMs: number, monoMs: number): void } {
  let wall = Date.parse('2026-11-30T10:00:00Z');
  let mono = 1_000;
  return {
    wall: () => wall,
    mono: () => mono,
    advance(w, m) {
      wall += w;
      mono += m;
    },
  };
}

describe('wake detector', () => {
  it('ignores on-time heartbeats and small jitter', () => {
    const clock = fakeClock();
    const seen: unknown[] = [];
    const d = new WakeDetector((e) => seen.push(e), clock);
    for (let i = 0; i < 100; i++) {
      clock.advance(HEARTBEAT_MS + 50, HEARTBEAT_MS + 40); // a little late, clocks nearly agree
      d.tick();
    }
    clock.advance(HEARTBEAT_MS + WAKE_GAP_MS - 100, HEARTBEAT_MS + WAKE_GAP_MS - 100); // a long GC pause, under the gap
    d.tick();
    assert.equal(seen.length, 0);
    assert.equal(d.count, 0);
  });

  it('sees a Linux suspend: the wall clock jumps, the monotonic clock does not', () => {
    const clock = fakeClock();
    const seen: { cause: string; gapMs: number }[] = [];
    const d = new WakeDetector((e) => seen.push(e), clock);
    clock.advance(3_600_000, HEARTBEAT_MS);
    d.tick();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.cause, 'clock-gap');
    assert.equal(d.count, 1);
    assert.equal(d.lastWakeAt?.getTime(), clock.wall());
  });

  it('sees a late timer: both clocks moved together, far past the interval (macOS sleep, SIGSTOP)', () => {
    const clock = fakeClock();
    const seen: { cause: string }[] = [];
    const d = new WakeDetector((e) => seen.push(e), clock);
    clock.advance(HEARTBEAT_MS + WAKE_GAP_MS + 3_000, HEARTBEAT_MS + WAKE_GAP_MS + 3_000);
    d.tick();
    assert.deepEqual(seen.map((e) => e.cause), ['late-timer']);
    clock.advance(HEARTBEAT_MS, HEARTBEAT_MS); // the next on-time beat is not a second wake
    d.tick();
    assert.equal(d.count, 1);
  });

  it('sees a freeze shorter than a heartbeat plus the gap when SIGCONT ends it, and counts it once', () => {
    const clock = fakeClock();
    const seen: { cause: string }[] = [];
    const d = new WakeDetector((e) => seen.push(e), clock);
    clock.advance(HEARTBEAT_MS + 1_000, HEARTBEAT_MS + 1_000); // frozen 1 s past a beat: the overdue beat is not late enough...
    d.tick();
    clock.advance(1, 1); // ...and SIGCONT, handled right after it, is the wake
    d.tick(true);
    assert.deepEqual(seen.map((e) => e.cause), ['continued']);
    clock.advance(HEARTBEAT_MS + WAKE_GAP_MS + 3_000, HEARTBEAT_MS + WAKE_GAP_MS + 3_000); // a long freeze: the overdue beat counts it...
    d.tick();
    clock.advance(1, 1); // ...so the SIGCONT handled right after it is not a second wake
    d.tick(true);
    assert.deepEqual(seen.map((e) => e.cause), ['continued', 'late-timer']);
  });
});

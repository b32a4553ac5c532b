// Gives back the JavaScript heap a burst of work grew. V8 shrinks its heap by itself only around large growth (its
// memory reducer), and an idle daemon runs no garbage collection at all: after a phone caught up on a 20 MB
// backlog, the heap stayed ~4 MB larger than the daemon needed, for as long as it kept idling (docs/benchmarks.md,
// "Idle footprint"). So, at the wake detector's heartbeat (no timer of its own), the heap's size is compared with
// what it was after the last collection; when it has stayed well above that for two beats in a row, the burst is
// over or long: two full collections return the empty pages. An idle daemon never triggers it; a busy one at most
// once per two beats (a few ms each time).
import { getHeapStatistics } from 'node:v8';

/** How far above its last settled size the heap must be for a collection to pay (V8 pages are 256 KiB). */
export const GROWTH_BYTES = 2 * 1024 * 1024;

/** V8's `gc()`, there when the daemon runs with `--expose-gc` (src/common/daemon-flags.ts); absent otherwise. */
export function exposedGc(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => (gc as () => void)() : null;
}

export class HeapShrinker {
  /** The heap's committed size after the last collection we asked for, or the smallest seen since. */
  private settled = Number.POSITIVE_INFINITY;
  private aboveOnce = false;

  constructor(
    private readonly gc: (() => void) | null = exposedGc(),
    private readonly heapSize: () => number = () => getHeapStatistics().total_heap_size,
  ) {}

  /** One heartbeat; true when it collected. */
  beat(): boolean {
    if (!this.gc) return false;
    const size = this.heapSize();
    // V8 shrinks the heap by itself too (after start-up, for one): follow it down.
    this.settled = Math.min(this.settled, size);
    const above = size >= this.settled + GROWTH_BYTES;
    const twice = above && this.aboveOnce;
    this.aboveOnce = above && !twice;
    if (!twice) return false;
    // Twice: the pages a full collection empties are swept and released as part of the next one (one alone
    // left ~60 % of the grown heap in place, measured).
    this.gc();
    this.gc();
    // What it needs now (more sessions, say) is the new normal: no collection again until it grows past that.
    this.settled = this.heapSize();
    return true;
  }
}

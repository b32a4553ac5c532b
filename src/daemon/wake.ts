// Notices that the machine slept (or the daemon was frozen) so the relay link can be rebuilt at once.
// Two clues, because platforms differ (docs/architecture.md guarantee 4):
//  - Linux's monotonic clock stops during suspend while the wall clock does not: after a wake the wall clock has
//    moved far more than the monotonic one between two heartbeats;
//  - macOS's monotonic clock keeps running through sleep, and a stopped (SIGSTOP) or starved process sees no clock
//    gap at all: there the heartbeat itself fires far later than scheduled;
//  - a stopped (SIGSTOP) process is continued with SIGCONT: that is a wake in itself, seen at once. A late heartbeat
//    alone misses a freeze shorter than its interval plus the gap: the overdue beat runs at SIGCONT and cannot
//    tell how much of the time since the last one was spent frozen.

// The clock-gap check runs once per heartbeat, so a Linux resume is seen within this (the docs promise "within
// seconds"); a macOS wake or a SIGCONT is seen at once. It was 1 s: one wake-up a second of an idle daemon
// (docs/benchmarks.md, "Idle footprint"); 5 s is a fifth of that and still within seconds.
export const HEARTBEAT_MS = 5_000;
// Gaps below this are ordinary: GC pauses, a busy event loop, NTP slewing. A laptop sleep or a frozen daemon is
// seconds at the very least. Wall-clock corrections by NTP steps are rarely this large and are harmless to count.
export const WAKE_GAP_MS = 4_000;
// An overdue heartbeat and the SIGCONT handler run in the same turn of the event loop after a freeze: a wake the
// heartbeat counted this recently is the one SIGCONT reports, not a second.
const SAME_WAKE_MS = 1_000;

export interface Clock {
  /** Wall clock, ms since the epoch (jumps after a suspend). */
  wall(): number;
  /** Monotonic clock, ms (stops during suspend on Linux). */
  mono(): number;
}

export const systemClock: Clock = {
  wall: () => Date.now(),
  // process.hrtime is there at start-up; the global `performance` loads Node's perf_hooks (~0.8 MB) on first use.
  mono: () => Number(process.hrtime.bigint()) / 1e6,
};

export interface WakeEvent {
  at: Date;
  /** How long the daemon was away, as best as can be told. */
  gapMs: number;
  cause: 'clock-gap' | 'late-timer' | 'continued';
}

/** Pure: given the clocks at the last and the current heartbeat, was there a wake in between? */
export function detectWake(
  last: { wall: number; mono: number },
  now: { wall: number; mono: number },
  intervalMs = HEARTBEAT_MS,
): WakeEvent | null {
  const wallDelta = now.wall - last.wall;
  const monoDelta = now.mono - last.mono;
  if (wallDelta - monoDelta > WAKE_GAP_MS) return { at: new Date(now.wall), gapMs: wallDelta, cause: 'clock-gap' };
  if (monoDelta - intervalMs > WAKE_GAP_MS) return { at: new Date(now.wall), gapMs: monoDelta, cause: 'late-timer' };
  return null;
}

export class WakeDetector {
  private timer: NodeJS.Timeout | null = null;
  private last: { wall: number; mono: number };
  count = 0;
  lastWakeAt: Date | null = null;
  private lastWakeMono = Number.NEGATIVE_INFINITY;

  /** `onBeat`: other work at the heartbeat's pace (src/daemon/heap-shrink.ts), so an idle daemon wakes up once. */
  constructor(
    private readonly onWake: (e: WakeEvent) => void,
    private readonly clock: Clock = systemClock,
    private readonly onBeat: () => void = () => undefined,
  ) {
    this.last = { wall: clock.wall(), mono: clock.mono() };
  }

  private readonly onContinue = () => this.tick(true);

  start(): void {
    this.timer = setInterval(() => {
      this.tick();
      this.onBeat();
    }, HEARTBEAT_MS);
    this.timer.unref();
    process.on('SIGCONT', this.onContinue);
  }

  /**
   * One heartbeat, or (`continued`) the SIGCONT that ends a freeze; public so tests can drive it with an injected
   * clock.
   */
  tick(continued = false): void {
    const now = { wall: this.clock.wall(), mono: this.clock.mono() };
    const wake = continued
      ? (now.mono - this.lastWakeMono < SAME_WAKE_MS ? null : { at: new Date(now.wall), gapMs: now.mono - this.last.mono, cause: 'continued' as const })
      : detectWake(this.last, now);
    this.last = now;
    if (!wake) return;
    this.count += 1;
    this.lastWakeAt = wake.at;
    this.lastWakeMono = now.mono;
    this.onWake(wake);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    process.off('SIGCONT', this.onContinue);
  }
}

// Reconnect delays: exponential backoff with full jitter (a random delay between 0 and the exponential bound),
// so a relay that comes back is not hit by every daemon at the same instant. Clock and randomness are injected.

// The first retry waits up to 1 s: a blip (relay restart, Wi-Fi roaming) heals almost at once.
export const BACKOFF_BASE_MS = 1_000;
// Never wait more than 30 s: a phone user waiting for a session should not wait for a long timer after the
// relay is back.
export const BACKOFF_CAP_MS = 30_000;

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly random: () => number = Math.random,
    private readonly baseMs = BACKOFF_BASE_MS,
    private readonly capMs = BACKOFF_CAP_MS,
  ) {}

  /** The delay before the next attempt; each call moves one step up. */
  next(): number {
    const bound = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * bound);
  }

  /** Back to the first step: called once connected, and on wake. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Waits `ms` (Infinity: until aborted), or less if `signal` aborts first; never rejects. */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : null;
    function done(): void {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

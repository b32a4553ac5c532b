// Holding a request until there is news: shared by the daemon's instruction poll and the remote events poll.
import type { ServerResponse } from 'node:http';
import { POLL_HOLD_MS } from '../../protocol/relay.js';
import { clientGone, type RelayContext } from '../context.js';
import { HttpError } from '../http.js';

/**
 * Calls `check` and, while it reports nothing and time is left, waits for one of `keys` to be notified and calls
 * it again. Holds at most min(wait, POLL_HOLD_MS). Returns null when the client hung up (nobody to answer),
 * otherwise the last result. Answers 503 when too many requests are held already.
 */
export async function holdUntil<T>(
  ctx: RelayContext,
  res: ServerResponse,
  keys: readonly string[],
  waitMs: number,
  check: () => T,
  ready: (value: T) => boolean,
): Promise<T | null> {
  let value = check();
  const hold = Math.min(waitMs, POLL_HOLD_MS);
  if (ready(value) || hold <= 0) return value;
  if (!ctx.notifier.hasRoom()) {
    throw new HttpError(503, 'BUSY', `the relay holds ${ctx.notifier.holding} long-polls already; retry in a moment`, { 'retry-after': '2' });
  }
  const signal = clientGone(res);
  const deadline = Date.now() + hold;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return value;
    const outcome = await ctx.notifier.wait(keys, left, signal);
    if (outcome === 'aborted') return null;
    value = check();
    if (ready(value) || outcome !== 'notified') return value;
  }
}

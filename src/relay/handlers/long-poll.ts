// Holding a request until there is news: shared by the daemon's instruction poll and the remote events poll.
import type { ServerResponse } from 'node:http';
import { POLL_HOLD_MS } from '../../protocol/relay.js';
import { clientGone, type RelayContext } from '../context.js';
import { HttpError } from '../http.js';
import type { HoldLimits } from '../notifier.js';

/**
 * A daemon needs one poll at a time (a second while the first is being torn down: a wake, a roaming network).
 * Slots go by the daemon's age, because registration is open: anyone can make new daemons (a few per address and
 * hour, see rate-limit.ts), and each held poll takes a slot. An established daemon (registered more than
 * `establishedAfterMs` ago, an hour by default; the age is stored, so a relay restart changes nothing) may use
 * every slot. A fresh one may not take the last half of them: a flood of new registrations fills at most half of
 * the relay, and the daemons that were there before it keep polling. Age rather than activity (uploads,
 * sessions), because any activity is one cheap request away, while an hour cannot be hurried. The price is that a
 * daemon registered during such a flood has its polls refused (503, retried) until it is established or the
 * flood's polls end; its uploads, and therefore its followers, are not affected.
 */
export const DAEMON_HOLDS: HoldLimits = { perKey: 2, keepFree: 0 };
export const freshDaemonHolds = (maxHeld: number): HoldLimits => ({
  perKey: 2, keepFree: Math.floor(maxHeld / 2), share: 'a daemon registered in the last hour may take only half of the slots',
});
/**
 * Followers of one session URL (tabs, phones, `rcd remote logs -f`): a few dozen at most, and a tenth of all slots
 * stays free of followers, so that one URL opened many times cannot leave the daemons unable to poll.
 */
export const followerHolds = (maxHeld: number): HoldLimits => ({ perKey: 32, keepFree: Math.floor(maxHeld / 10) });

/**
 * Calls `check` and, while it reports nothing and time is left, waits for one of `keys` to be notified and calls
 * it again. Holds at most min(wait, POLL_HOLD_MS). Returns null when the client hung up (nobody to answer),
 * otherwise the last result. Answers 503 when too many requests are held already (`limits`) and there is no news.
 *
 * Each check runs while already listening: `check` awaits the store, and a writer may store and notify in between
 * (always possible with PostgreSQL, where the check is a round trip); listening only after the check would miss
 * that notify and hold the request until its time ran out.
 */
export async function holdUntil<T>(
  ctx: RelayContext,
  res: ServerResponse,
  keys: readonly string[],
  limits: HoldLimits,
  waitMs: number,
  check: () => Promise<T>,
  ready: (value: T) => boolean,
): Promise<T | null> {
  const hold = Math.min(waitMs, POLL_HOLD_MS);
  if (hold <= 0) return check();
  const room = ctx.notifier.room(keys[0] as string, limits);
  if (room !== 'ok') {
    const value = await check();
    if (ready(value)) return value;
    const why = room === 'total'
      ? `the relay holds ${ctx.notifier.holding} long-polls already${limits.share ? ` (${limits.share})` : ''}`
      : `this ${keys[0]?.split(':')[0]} has ${limits.perKey} long-polls held already`;
    throw new HttpError(503, 'BUSY', `${why}; retry in a moment`, { 'retry-after': '2' });
  }
  const signal = clientGone(res);
  const deadline = Date.now() + hold;
  for (;;) {
    const listening = ctx.notifier.listen(keys, signal);
    let value: T;
    try {
      value = await check();
    } catch (err) {
      listening.cancel();
      throw err;
    }
    const left = deadline - Date.now();
    if (ready(value) || left <= 0) {
      listening.cancel();
      return value;
    }
    const outcome = await listening.wait(left);
    if (outcome === 'aborted') return null;
    if (outcome !== 'notified') return value;
  }
}

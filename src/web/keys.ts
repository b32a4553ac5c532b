// The page's keys after a rotation: a record sealed under a key newer than the envelope the page holds (the daemon
// sends the new envelope right after) makes the page load the envelope again, for a while, before refusing it.
import { EventOpener } from '../e2e/records.js';
import type { Session } from './page.js';
import { call } from './relay-api.js';
import { sleep } from './text.js';

// How long to wait for the envelope holding a key newer than the page's (the daemon sends it right after the events
// it sealed; past this the record is refused).
const NEWER_KEYS_WAIT_MS = 5_000;

/** Loads the envelope again until it holds the key `sealed` names, or the wait is over. */
export async function newerKeys(s: Session, sealed: string): Promise<void> {
  const deadline = Date.now() + NEWER_KEYS_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      const r = await call(s, '');
      const envelope = (r.body as { envelope?: unknown } | null)?.envelope;
      if (r.res.ok && typeof envelope === 'string') {
        const fresh = await EventOpener.forUrl(s.url, envelope);
        if (fresh.holdsKeyOf(sealed)) {
          s.opener = fresh;
          return;
        }
      }
    } catch {
      // Unreachable, or an envelope that does not open: the record is refused below if this does not clear.
    }
    await sleep(250);
  }
}


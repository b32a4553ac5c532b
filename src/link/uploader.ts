// Event upload: for each session, the events after its cursor go up in seq order, in batches bounded by count
// and bytes; the relay's answer (the highest seq it holds contiguously) becomes the new cursor. A batch the relay
// refuses as too large (413) is split in halves; one event it refuses alone (its --max-event-bytes is below what
// this daemon stores) goes up as a small stand-in saying what was left out, so the stream carries on.
// Every event goes up sealed (src/e2e/records.ts): the relay holds its seq, time and size, not its kind or bytes.
import type { Logger } from 'pino';
import { MAX_EVENTS_PER_BATCH, UPLOAD_BATCH_BYTES, UploadResponse, type RelayEvent } from '../protocol/relay.js';
import { fromBase64url } from '../e2e/encoding.js';
import { sealEventSync } from '../e2e/node-sync.js';
import type { EventKind } from '../e2e/records.js';
import type { LinkStore } from '../store/link-store.js';
import { sleepUnless } from './backoff.js';
import { HttpError, type RelayHttp } from './http.js';

/** What the relay holds instead of an event it would not take (sealed like any other). */
const standIn = (chars: number, why: string): Uint8Array => Buffer.from(JSON.stringify({ omitted: { kind: 'output', chars, why } }));

/** A session's content keys, oldest first, each sealing the seqs from its `from` to the next one's. */
interface Ring {
  newest: number;
  keys: { epoch: number; raw: Uint8Array; from: number }[];
}

/** The key whose range holds `seq` (records.ts refuses an event under any other). */
function covering(ring: Ring, seq: number): { epoch: number; raw: Uint8Array } {
  let key = ring.keys[0] as Ring['keys'][number];
  for (const k of ring.keys) if (k.from <= seq) key = k;
  return key;
}

export class Uploader {
  private readonly pending = new Set<string>();
  /** Each session's newest content key, imported once per epoch. */
  private readonly keys = new Map<string, Ring>();

  constructor(private readonly store: LinkStore, private readonly http: RelayHttp, private readonly timeoutMs: number, private readonly log: Logger) {}

  touch(id: string): void {
    this.pending.add(id);
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  async uploadAll(ids: string[], signal: AbortSignal): Promise<void> {
    for (const id of ids) this.pending.add(id);
    await this.uploadPending(signal);
  }

  /** Uploads what is pending; after each batch, stops (the rest stays pending) if `giveWay` says so. */
  async uploadPending(signal: AbortSignal, giveWay: () => boolean = () => false): Promise<void> {
    for (const id of [...this.pending]) {
      this.pending.delete(id);
      try {
        let max = MAX_EVENTS_PER_BATCH;
        for (;;) {
          const next = await this.uploadBatch(id, signal, max);
          if (next === 'done') break;
          if (next === 'more' && giveWay()) {
            this.pending.add(id);
            return;
          }
          // A split ends when the relay takes a batch: the next one may be whole again.
          max = next === 'more' ? MAX_EVENTS_PER_BATCH : next.split;
        }
      } catch (err) {
        // Refused for this session alone (the relay does not hold it: its PUT was refused): the others go on,
        // and the session's next change tries again.
        if (err instanceof HttpError && err.refusesSession) continue;
        this.pending.add(id);
        throw err;
      }
    }
  }

  /**
   * The session's content keys, each with the first seq it seals. Call it right after reading the events it seals,
   * with no await between: an event stored after a rotation then gets the new epoch (its seq is past the new epoch's
   * first), never one the replaced URL can open. The newest epoch is one indexed read per batch; the keys are decoded
   * again only when a new epoch began.
   */
  private keysOf(id: string): Ring {
    const newest = this.store.contentKey(id).epoch;
    const cached = this.keys.get(id);
    if (cached?.newest === newest) return cached;
    const ring = { newest, keys: this.store.contentKeys(id).map((k) => ({ epoch: k.epoch, raw: fromBase64url(k.key), from: k.from })) };
    this.keys.set(id, ring);
    return ring;
  }

  // Sealed synchronously (node-sync.ts): every event crosses here on its way to a follower, and a WebCrypto call is a
  // worker-thread round trip.
  private sealed(key: { epoch: number; raw: Uint8Array }, id: string, e: { seq: number; at: string }, kind: EventKind, data: Uint8Array): RelayEvent {
    return { seq: e.seq, at: e.at, kind: 'sealed', data: sealEventSync(key, id, e.seq, kind, data) };
  }

  /** Uploads one batch of at most `max` events: 'more' when more are waiting, or how many to send in the next try. */
  private async uploadBatch(id: string, signal: AbortSignal, max: number): Promise<'more' | 'done' | { split: number }> {
    const cursor = this.store.cursor(id);
    const rows = this.store.eventsAfter(id, cursor, max);
    if (rows.length === 0) return 'done';
    const ring = this.keysOf(id); // read in the same synchronous stretch as the rows (see keysOf)
    let events: RelayEvent[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (events.length > 0 && bytes + r.data.length > UPLOAD_BATCH_BYTES) break;
      bytes += r.data.length;
      events.push(this.sealed(covering(ring, r.seq), id, r, r.kind, r.data));
    }
    const first = events[0]?.seq ?? 0;
    // Local retention may have pruned events the relay never got: say where ours start, or it waits for them forever.
    const gap = first > cursor + 1 ? { firstSeq: first } : {};
    const send = () => this.http.call('POST', 'api/daemon/events', { sessions: [{ id, events, ...gap }] }, UploadResponse, { signal, timeoutMs: this.timeoutMs });
    let res;
    try {
      res = await send();
    } catch (err) {
      if (err instanceof HttpError && err.status === 429 && err.retryAfterMs > 0 && !signal.aborted) {
        // The relay limits this daemon's uploads per second (src/relay/limits.ts): the same batch, a little later.
        await sleepUnless(err.retryAfterMs, signal);
        if (signal.aborted) throw signal.reason;
        return 'more';
      }
      if (!(err instanceof HttpError && err.status === 413)) throw err;
      if (events.length > 1) return { split: Math.floor(events.length / 2) };
      const [alone] = events as [RelayEvent];
      this.log.warn({ session: id, seq: alone.seq, chars: alone.data.length }, 'the relay refuses this event as too large; it gets a stand-in saying so');
      events = [this.sealed(covering(ring, alone.seq), id, alone, 'state', standIn(alone.data.length, err.message))];
      res = await send(); // a refusal of the stand-in too sets the session aside (refusesSession), never loops
    }
    const acked = res.acked[id] ?? cursor;
    if (acked < cursor) {
      // The relay lost events it had acknowledged (its data was reset): send again from what it holds.
      this.store.resetCursor(id, acked);
      return 'more';
    }
    this.store.setCursor(id, acked);
    if (acked === cursor) return 'done'; // no progress; the next change of this session retries
    return acked < (events.at(-1)?.seq ?? cursor) || rows.length > events.length || rows.length === max ? 'more' : 'done';
  }
}

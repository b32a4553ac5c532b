// Event upload: for each session, the events after its cursor go up in seq order, in batches bounded by count
// and bytes; the relay's answer (the highest seq it holds contiguously) becomes the new cursor.
import { MAX_EVENTS_PER_BATCH, UploadResponse, type RelayEvent } from '../protocol/relay.js';
import type { LinkStore } from '../store/link-store.js';
import { HttpError, type RelayHttp } from './http.js';

// Keep a request well under the relay's 4 MiB body cap once base64 (4/3) and JSON framing are added.
const MAX_BATCH_BYTES = 2 * 1024 * 1024;

export class Uploader {
  private readonly pending = new Set<string>();

  constructor(private readonly store: LinkStore, private readonly http: RelayHttp, private readonly timeoutMs: number) {}

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

  async uploadPending(signal: AbortSignal): Promise<void> {
    for (const id of [...this.pending]) {
      this.pending.delete(id);
      try {
        while (await this.uploadBatch(id, signal)) {
          // more after this batch
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

  /** Uploads one batch; true when more events are waiting. */
  private async uploadBatch(id: string, signal: AbortSignal): Promise<boolean> {
    const cursor = this.store.cursor(id);
    const rows = this.store.eventsAfter(id, cursor, MAX_EVENTS_PER_BATCH);
    if (rows.length === 0) return false;
    const events: RelayEvent[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (events.length > 0 && bytes + r.data.length > MAX_BATCH_BYTES) break;
      bytes += r.data.length;
      events.push({ seq: r.seq, at: r.at, kind: r.kind, data: r.kind === 'output' ? r.data.toString('base64') : r.data.toString('utf8') });
    }
    const first = events[0]?.seq ?? 0;
    // Local retention may have pruned events the relay never got: say where ours start, or it waits for them forever.
    const gap = first > cursor + 1 ? { firstSeq: first } : {};
    const res = await this.http.call('POST', 'api/daemon/events', { sessions: [{ id, events, ...gap }] }, UploadResponse, { signal, timeoutMs: this.timeoutMs });
    const acked = res.acked[id] ?? cursor;
    if (acked < cursor) {
      // The relay lost events it had acknowledged (its data was reset): send again from what it holds.
      this.store.resetCursor(id, acked);
      return true;
    }
    this.store.setCursor(id, acked);
    if (acked === cursor) return false; // no progress; the next change of this session retries
    return acked < (events.at(-1)?.seq ?? cursor) || rows.length > events.length || rows.length === MAX_EVENTS_PER_BATCH;
  }
}

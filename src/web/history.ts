// Reading a session from its end: the page first loads the newest page of events (the relay's `before` query,
// docs/relay-protocol.md) and follows from there; older pages load when the reader asks ("Load earlier output"),
// each put above what is shown without moving it. Events are chunks of the agent's output, cut anywhere: a page's
// first line may have begun on the page before it. So the bytes before a page's first newline are held back (`head`)
// and shown with the older page when it comes, as the end of its last line. (A newline byte is never inside a
// UTF-8 character, so cutting there never splits one.)
import type { EventOpener } from '../e2e/records.js';
import type { RelayEvent } from '../protocol/relay.js';
import { newerKeys } from './keys.js';
import type { Session } from './page.js';
import { call } from './relay-api.js';
import type { Transcript } from './transcript.js';

// Events per page: enough for a screenful or more of a busy session, few enough to open and lay out at once.
const PAGE_EVENTS = 200;
const NEWLINE = 0x0a;

/** Events opened: an output event's bytes, another kind's text, or why one is not shown. */
export interface Opened {
  seq: number;
  kind: 'output' | 'state' | 'refused';
  data: Uint8Array;
}

/** Opens events in order; one that does not authenticate (altered, forged, moved on the relay) is refused. */
export async function openEvents(s: Session, events: readonly RelayEvent[]): Promise<Opened[]> {
  const out: Opened[] = [];
  for (const e of events) {
    try {
      if (!(s.opener as EventOpener).holdsKeyOf(e.data)) await newerKeys(s, e.data);
      const event = await (s.opener as EventOpener).read(e);
      out.push({ seq: e.seq, kind: event.kind === 'output' ? 'output' : 'state', data: event.data });
    } catch {
      out.push({ seq: e.seq, kind: 'refused', data: new Uint8Array(0) });
    }
  }
  return out;
}

export const refusedNote = (seq: number): string => `[event ${seq} did not authenticate and is not shown]`;
const PRUNED = '[earlier output was pruned by the relay]';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Bytes cut after their first newline: [up to and with it, the rest]; all of them first when there is none. */
function cutAtFirstLine(bytes: Uint8Array): [Uint8Array, Uint8Array] {
  const nl = bytes.indexOf(NEWLINE);
  return nl === -1 ? [bytes, new Uint8Array(0)] : [bytes.subarray(0, nl + 1), bytes.subarray(nl + 1)];
}

interface Page {
  events: RelayEvent[];
  earlier: boolean;
  gap: boolean;
}

const isPage = (b: unknown): b is Page =>
  b !== null && typeof b === 'object' && Array.isArray((b as Page).events) && typeof (b as Page).earlier === 'boolean';

export class History {
  /** The bytes before the first newline of the oldest page shown: the end of a line the page before it begins. */
  private head: Uint8Array = new Uint8Array(0);
  /** The first seq shown: the next older page ends before it. */
  private oldest = 0;
  private loading = false;

  constructor(private readonly s: Session, private readonly view: Transcript, private readonly button: HTMLButtonElement) {
    button.addEventListener('click', () => void this.loadEarlier());
  }

  /**
   * The newest page, up to `lastSeq` (the status answer's): sets the session's cursor to follow on from, and returns
   * the bytes to show as the first output (the follower's decoder takes them, as it takes everything after).
   * Null when it could not be read: the follower then starts from the first event the relay holds, as before.
   */
  async loadEnd(lastSeq: number): Promise<Uint8Array | null> {
    if (lastSeq === 0) return new Uint8Array(0);
    const page = await this.fetch(lastSeq + 1);
    if (!page) return null;
    const opened = await openEvents(this.s, page.events);
    this.s.after = page.events.at(-1)?.seq ?? lastSeq;
    this.oldest = page.events[0]?.seq ?? lastSeq + 1;
    const bytes = concat(opened.filter((e) => e.kind === 'output').map((e) => e.data));
    let shown = bytes;
    if (page.earlier) [this.head, shown] = cutAtFirstLine(bytes);
    const notes = [...(page.gap ? [PRUNED] : []), ...opened.filter((e) => e.kind === 'refused').map((e) => refusedNote(e.seq))];
    if (notes.length) this.view.prepend('', notes);
    this.button.hidden = !page.earlier;
    return shown;
  }

  /** The page before the oldest shown, put above it. */
  async loadEarlier(): Promise<void> {
    if (this.loading || this.oldest <= 1) return;
    this.loading = true;
    this.button.disabled = true;
    try {
      const page = await this.fetch(this.oldest);
      if (!page) {
        this.button.textContent = 'Load earlier output (the last try failed)';
        return;
      }
      const opened = await openEvents(this.s, page.events);
      const bytes = concat([...opened.filter((e) => e.kind === 'output').map((e) => e.data), this.head]);
      let shown = bytes;
      this.head = new Uint8Array(0);
      if (page.earlier) [this.head, shown] = cutAtFirstLine(bytes);
      this.oldest = page.events[0]?.seq ?? this.oldest;
      const notes = [...(page.gap ? [PRUNED] : []), ...opened.filter((e) => e.kind === 'refused').map((e) => refusedNote(e.seq))];
      this.view.prepend(new TextDecoder().decode(shown), notes, () => {
        this.button.textContent = 'Load earlier output';
        this.button.hidden = !page.earlier;
      });
    } finally {
      this.loading = false;
      this.button.disabled = false;
    }
  }

  /** The history the page cannot show in place any more (the box dropped its oldest blocks): no more loading. */
  stop(): void {
    this.oldest = 0;
    this.button.hidden = true;
  }

  private async fetch(before: number): Promise<Page | null> {
    try {
      const r = await call(this.s, `/events?before=${before}&limit=${PAGE_EVENTS}`);
      return r.res.ok && isPage(r.body) ? r.body : null;
    } catch {
      return null;
    }
  }
}

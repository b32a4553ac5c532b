// Moves agent output from per-session files into the event log. Each chunk and the file offset it reaches
// are stored in one transaction, so reading resumes exactly where the database says, after any crash.
// Line-structured agents (claude) are read in whole lines, and their line handler runs in the same transaction:
// a line is stored and acted on (an approval recorded) together or not at all, and never half-read.
import { EventEmitter } from 'node:events';
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import type { EventStore } from '../../store/events.js';

// One event per read; 64 KiB keeps rows small enough for SQLite's page cache and a follow stream responsive.
const CHUNK_BYTES = 64 * 1024;
// Bytes moved per session per turn of the event loop before yielding, so a flood of output cannot starve the socket.
const MAX_BYTES_PER_TURN = 1024 * 1024;
// inotify can miss events (a watch left on a replaced file, a queue overflow in a burst); a stat of every followed
// file, on one timer, is the net under it. A miss is most likely at the end of a burst, so right after output the
// net looks again after SAFETY_POLL_MIN_MS, then backs off, doubling, to SAFETY_POLL_MAX_MS while all is quiet: an
// idle daemon used to wake every second for it (docs/benchmarks.md, "Idle footprint"), now twice a minute. A file
// without a working watch (none yet, or its watch lost) is looked at, and watched again, every SAFETY_POLL_MIN_MS.
export const SAFETY_POLL_MIN_MS = 1_000;
export const SAFETY_POLL_MAX_MS = 30_000;
// A line-structured agent's line longer than this is stored even without its newline (it is not a protocol line).
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Runs inside the transaction that stores `lines` (complete lines, newline-terminated except at the very end). */
export type LineHandler = (lines: Buffer) => void;

interface Tail {
  sessionId: string;
  path: string;
  watcher: FSWatcher | null;
  scheduled: boolean;
  /** File size at the last read: the safety poll only reads when the file has grown past it. */
  seen: number;
  lines: LineHandler | undefined;
}

export const STREAM = 'output';

export class Tailer extends EventEmitter {
  private readonly tails = new Map<string, Tail>();
  private poll: NodeJS.Timeout | null = null;
  /** The safety poll's current interval: SAFETY_POLL_MIN_MS after output, doubling while nothing is read. */
  private pollMs = SAFETY_POLL_MIN_MS;
  /** Output was read since the last safety poll. */
  private active = false;
  private closed = false;

  constructor(private readonly events: EventStore, private readonly onError: (err: unknown, sessionId: string) => void) {
    super();
    this.arm(SAFETY_POLL_MIN_MS);
  }

  /** Starts (or keeps) following a session's output file. */
  follow(sessionId: string, path: string, lines?: LineHandler): void {
    if (this.tails.has(sessionId)) return;
    const tail: Tail = { sessionId, path, watcher: null, scheduled: false, seen: -1, lines };
    this.tails.set(sessionId, tail);
    this.watchFile(tail);
    this.schedule(tail);
  }

  /** Whether a session's output file has an inotify watch now (the safety poll covers one that has none). */
  watched(sessionId: string): boolean {
    return Boolean(this.tails.get(sessionId)?.watcher);
  }

  private watchFile(tail: Tail): void {
    try {
      const watcher = watch(tail.path, { persistent: false }, (event) => {
        // 'rename': the file was moved, removed or replaced, and this watch stays on the old one.
        if (event === 'rename') this.unwatch(tail, watcher);
        this.schedule(tail);
      });
      watcher.on('error', () => this.unwatch(tail, watcher));
      tail.watcher = watcher;
    } catch {
      // No file yet or no inotify: the safety poll covers it, at its shortest interval, and watches it again.
      this.quicken();
    }
  }

  private unwatch(tail: Tail, watcher: FSWatcher): void {
    watcher.close();
    if (tail.watcher === watcher) tail.watcher = null;
    this.quicken();
  }

  private safetyPoll(): void {
    let unwatched = false;
    for (const tail of this.tails.values()) {
      if (!tail.watcher) {
        this.watchFile(tail);
        unwatched ||= !tail.watcher;
      }
      if (sizeOf(tail.path) !== tail.seen) this.schedule(tail);
    }
    const next = this.active || unwatched ? SAFETY_POLL_MIN_MS : Math.min(this.pollMs * 2, SAFETY_POLL_MAX_MS);
    this.active = false;
    if (!this.closed) this.arm(next);
  }

  /** One timer for every session (not one each): the next safety poll, `ms` from now. */
  private arm(ms: number): void {
    if (this.poll) clearTimeout(this.poll);
    this.pollMs = ms;
    this.poll = setTimeout(() => this.safetyPoll(), ms);
    this.poll.unref();
  }

  /** Brings the next safety poll to SAFETY_POLL_MIN_MS from now, unless it is that close already. */
  private quicken(): void {
    this.active = true;
    if (this.pollMs !== SAFETY_POLL_MIN_MS && !this.closed) this.arm(SAFETY_POLL_MIN_MS);
  }

  /** Stops following; reads whatever is left first. */
  unfollow(sessionId: string): void {
    const tail = this.tails.get(sessionId);
    if (!tail) return;
    this.drain(sessionId, tail.path, true); // the writer is gone: an unfinished last line is final too
    tail.watcher?.close();
    this.tails.delete(sessionId);
  }

  /** Reads everything the file holds right now into the database, synchronously (but for an unfinished line). */
  drain(sessionId: string, path: string, final = false): void {
    const lines = this.tails.get(sessionId)?.lines;
    while (this.readSome(sessionId, path, Number.POSITIVE_INFINITY, lines, final).more) {
      // keep reading until the file is exhausted
    }
  }

  /**
   * Reads what the file holds now into the database like `drain`, but a megabyte per turn of the event loop: a
   * backlog of hundreds of megabytes (written while no daemon ran) must not stall every other request meanwhile.
   */
  async catchUp(sessionId: string, path: string): Promise<void> {
    const target = sizeOf(path); // what was there when asked: an agent writing on does not keep this going
    const lines = this.tails.get(sessionId)?.lines;
    for (;;) {
      const { more, seen } = this.readSome(sessionId, path, MAX_BYTES_PER_TURN, lines, false);
      if (!more || seen >= target) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  close(): void {
    this.closed = true;
    if (this.poll) clearTimeout(this.poll);
    for (const tail of this.tails.values()) tail.watcher?.close();
    this.tails.clear();
  }

  /** Output was stored: followers are told, and the safety net looks again soon (a burst's last event may be missed). */
  private moved(sessionId: string): void {
    this.quicken();
    this.emit('output', sessionId);
  }

  private schedule(tail: Tail): void {
    if (tail.scheduled) return;
    tail.scheduled = true;
    setImmediate(() => {
      tail.scheduled = false;
      if (!this.tails.has(tail.sessionId)) return;
      try {
        const { more, seen } = this.readSome(tail.sessionId, tail.path, MAX_BYTES_PER_TURN, tail.lines, false);
        tail.seen = seen;
        if (more) this.schedule(tail);
      } catch (err) {
        this.onError(err, tail.sessionId);
      }
    });
  }

  /**
   * Moves up to `budget` bytes (line-structured: whole lines, however long). `more`: more may be waiting;
   * `seen`: the file size this read accounted for.
   */
  private readSome(sessionId: string, path: string, budget: number, lines: LineHandler | undefined, final: boolean): { more: boolean; seen: number } {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return { more: false, seen: -1 };
    }
    try {
      let offset = this.events.offset(sessionId, STREAM);
      const size = fstatSync(fd).size;
      if (size < offset) {
        // Truncated behind our back: what it held up to `offset` is stored; new bytes start at its new end.
        offset = size;
        this.events.setOffset(sessionId, STREAM, path, offset);
      }
      if (offset >= size) return { more: false, seen: size };
      if (lines) return this.readLines(sessionId, path, fd, offset, size, lines, final);
      let moved = 0;
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      while (offset < size && moved < budget) {
        const n = readSync(fd, buf, 0, Math.min(CHUNK_BYTES, size - offset), offset);
        if (n <= 0) break;
        offset += n;
        moved += n;
        this.events.appendOutput(sessionId, STREAM, path, Buffer.from(buf.subarray(0, n)), offset);
      }
      if (moved > 0) this.moved(sessionId);
      return { more: offset < size, seen: offset };
    } finally {
      closeSync(fd);
    }
  }

  private readLines(sessionId: string, path: string, fd: number, offset: number, size: number, lines: LineHandler, final: boolean): { more: boolean; seen: number } {
    const want = Math.min(size - offset, MAX_LINE_BYTES);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, offset + got);
      if (n <= 0) break;
      got += n;
    }
    if (got === 0) return { more: false, seen: size }; // truncated under us; the next read sees the new size
    const newline = buf.subarray(0, got).lastIndexOf(10);
    // An unfinished line waits for its end, unless the writer is gone or it is absurdly long.
    const take = newline >= 0 ? newline + 1 : final || got >= MAX_LINE_BYTES ? got : 0;
    if (take === 0) return { more: false, seen: size };
    const data = buf.subarray(0, take);
    this.events.atomically(() => {
      for (let at = 0; at < take; at += CHUNK_BYTES) {
        const piece = Buffer.from(data.subarray(at, Math.min(take, at + CHUNK_BYTES)));
        this.events.appendOutput(sessionId, STREAM, path, piece, offset + at + piece.length);
      }
      lines(data);
    });
    this.moved(sessionId);
    const end = offset + take;
    // More: the final flush has bytes left, or this read stopped short of the end (at MAX_LINE_BYTES).
    return { more: end < size && (final || got < size - offset), seen: end < size ? size : end };
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

// Moves agent output from per-session files into the event log. Each chunk and the file offset it reaches
// are stored in one transaction, so reading resumes exactly where the database says, after any crash.
import { EventEmitter } from 'node:events';
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import type { EventStore } from '../store/events.js';

// One event per read; 64 KiB keeps rows small enough for SQLite's page cache and a follow stream responsive.
const CHUNK_BYTES = 64 * 1024;
// Bytes moved per session per turn of the event loop before yielding, so a flood of output cannot starve the socket.
const MAX_BYTES_PER_TURN = 1024 * 1024;
// inotify can miss events (a watch lost when the file is replaced, an overflow); this slow check is the net
// under it. Once a second costs one fstat per session: nothing, even at 256 sessions.
const SAFETY_POLL_MS = 1_000;

interface Tail {
  sessionId: string;
  path: string;
  watcher: FSWatcher | null;
  scheduled: boolean;
  /** File size at the last read: the safety poll only reads when the file has grown past it. */
  seen: number;
}

export const STREAM = 'output';

export class Tailer extends EventEmitter {
  private readonly tails = new Map<string, Tail>();
  private readonly poll: NodeJS.Timeout;

  constructor(private readonly events: EventStore, private readonly onError: (err: unknown, sessionId: string) => void) {
    super();
    this.poll = setInterval(() => {
      for (const tail of this.tails.values()) if (sizeOf(tail.path) !== tail.seen) this.schedule(tail);
    }, SAFETY_POLL_MS);
    this.poll.unref();
  }

  /** Starts (or keeps) following a session's output file. */
  follow(sessionId: string, path: string): void {
    if (this.tails.has(sessionId)) return;
    const tail: Tail = { sessionId, path, watcher: null, scheduled: false, seen: -1 };
    try {
      tail.watcher = watch(path, { persistent: false }, () => this.schedule(tail));
      tail.watcher.on('error', () => {
        tail.watcher = null; // the safety poll keeps reading
      });
    } catch {
      // No file yet or no inotify: the safety poll covers it.
    }
    this.tails.set(sessionId, tail);
    this.schedule(tail);
  }

  /** Stops following; reads whatever is left first. */
  unfollow(sessionId: string): void {
    const tail = this.tails.get(sessionId);
    if (!tail) return;
    this.drain(sessionId, tail.path);
    tail.watcher?.close();
    this.tails.delete(sessionId);
  }

  /** Reads everything the file holds right now into the database, synchronously. */
  drain(sessionId: string, path: string): void {
    while (this.readSome(sessionId, path, Number.POSITIVE_INFINITY)) {
      // keep reading until the file is exhausted
    }
  }

  close(): void {
    clearInterval(this.poll);
    for (const tail of this.tails.values()) tail.watcher?.close();
    this.tails.clear();
  }

  private schedule(tail: Tail): void {
    if (tail.scheduled) return;
    tail.scheduled = true;
    setImmediate(() => {
      tail.scheduled = false;
      if (!this.tails.has(tail.sessionId)) return;
      try {
        const more = this.readSome(tail.sessionId, tail.path, MAX_BYTES_PER_TURN);
        tail.seen = this.events.offset(tail.sessionId, STREAM);
        if (more) this.schedule(tail);
      } catch (err) {
        this.onError(err, tail.sessionId);
      }
    });
  }

  /** Moves up to `budget` bytes; returns true when more may be waiting. */
  private readSome(sessionId: string, path: string, budget: number): boolean {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return false;
    }
    let moved = 0;
    let stored = false;
    try {
      let offset = this.events.offset(sessionId, STREAM);
      const size = fstatSync(fd).size;
      if (size < offset) {
        // Truncated behind our back: what it held up to `offset` is stored; new bytes start at its new end.
        offset = size;
        this.events.setOffset(sessionId, STREAM, path, offset);
      }
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      while (offset < size && moved < budget) {
        const n = readSync(fd, buf, 0, Math.min(CHUNK_BYTES, size - offset), offset);
        if (n <= 0) break;
        offset += n;
        moved += n;
        this.events.appendOutput(sessionId, STREAM, path, Buffer.from(buf.subarray(0, n)), offset);
        stored = true;
      }
      if (stored) this.emit('output', sessionId);
      return offset < size;
    } finally {
      closeSync(fd);
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

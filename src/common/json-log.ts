// A pino JSON-lines log file with secret redaction and size-based rotation, shared by the daemon and the relay
// (each passes its own redaction paths and how many old files to keep). Never imported by the CLI.
import { renameSync, statSync } from 'node:fs';
import pino, { type Logger } from 'pino';

// Rotate past 10 MB: weeks of a normal daemon's or relay's log at the default level.
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

export interface JsonLog {
  log: Logger;
  flush(): void;
  /** Renames <file> to <file>.1 (shifting older ones, keeping `keep`) when it is over the limit; true when it did. */
  rotate(maxBytes?: number): boolean;
}

export function createJsonLog(file: string, level: string, redactPaths: string[], keep: number): JsonLog {
  // Synchronous writes: these logs see a few lines a minute, and a line written before a crash is a line kept.
  const dest = pino.destination({ dest: file, mkdir: true, sync: true, mode: 0o600 });
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    dest,
  );
  return {
    log,
    rotate: (maxBytes = LOG_ROTATE_BYTES) => {
      try {
        if (statSync(file).size <= maxBytes) return false;
      } catch {
        return false;
      }
      dest.flushSync();
      for (let i = keep - 1; i >= 1; i--) {
        try {
          renameSync(`${file}.${i}`, `${file}.${i + 1}`);
        } catch {
          // that generation does not exist yet
        }
      }
      renameSync(file, `${file}.1`);
      dest.reopen();
      return true;
    },
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // Nothing buffered yet: nothing to lose.
      }
    },
  };
}

// The daemon's pino logger: JSON lines in RCD_HOME/logs/daemon.log. Secrets are redacted by path from day one,
// so a field added later under one of these names cannot leak (DESIGN.md guarantee 7).
import { renameSync, statSync } from 'node:fs';
import pino, { type Logger } from 'pino';

// Rotate past 10 MB and keep three old files: ~40 MB at most, weeks of a normal daemon's log.
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
export const LOG_KEEP = 3;

export const REDACT_PATHS = [
  'env', '*.env', 'token', '*.token', 'url', '*.url', 'sessionUrl', '*.sessionUrl', 'secret', '*.secret',
  'credential', '*.credential', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers.cookie', '*.headers.cookie', 'text', '*.text',
];

export interface DaemonLogger {
  log: Logger;
  flush(): void;
  /** Renames daemon.log to daemon.log.1 (shifting older ones) when it is over the limit; true when it did. */
  rotate(maxBytes?: number): boolean;
}

export function createLogger(file: string, level: string): DaemonLogger {
  // Synchronous writes: the daemon logs a few lines a minute, and a line written before a crash is a line kept.
  const dest = pino.destination({ dest: file, mkdir: true, sync: true, mode: 0o600 });
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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
      for (let i = LOG_KEEP - 1; i >= 1; i--) {
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
        // Nothing buffered yet (the stream is still opening): nothing to lose.
      }
    },
  };
}

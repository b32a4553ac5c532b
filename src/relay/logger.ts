// The relay's pino logger (JSON lines in <data>/relay.log) and the one place that makes a request path safe to
// log. A session token is the whole credential of a URL, so paths are scrubbed before they reach a log call, and
// pino redaction covers the field names a secret could hide under, for anything logged later by mistake.
import { renameSync, statSync } from 'node:fs';
import pino, { type Logger } from 'pino';

// Past 10 MB the log moves to relay.log.1 (one old file kept): at the default level it holds start-ups,
// refusals and errors, so that is months of a busy relay.
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

export const REDACT_PATHS = [
  'token', '*.token', 'tokenHash', '*.tokenHash', 'credential', '*.credential', 'authorization', '*.authorization',
  'headers', '*.headers', 'url', '*.url', 'text', '*.text', 'body', '*.body',
];

// Any long base64url/hex run is treated as a secret wherever it appears in a path: session tokens (43),
// credentials (43), token hashes (64). Session ids (16 hex) and seqs stay readable.
const SECRET_RUN = /[A-Za-z0-9_-]{32,}/g;

/** `/s/<token>...` and `/api/s/<token>...` with the token replaced by `[token]`; the query string dropped. */
export function safePath(rawUrl: string | undefined): string {
  const path = (rawUrl ?? '/').split('?')[0] ?? '/';
  return path.replace(/(^|\/)s\/[^/]*/, '$1s/[token]').replace(SECRET_RUN, '[secret]').slice(0, 200);
}

export interface RelayLogger {
  log: Logger;
  flush(): void;
  /** Moves relay.log aside when it is over the limit; true when it did. */
  rotate(maxBytes?: number): boolean;
}

export function createRelayLogger(file: string, level: string): RelayLogger {
  // Synchronous writes: a relay logs little at the default level, and a line written before a crash is kept.
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
        dest.flushSync();
        renameSync(file, `${file}.1`);
        dest.reopen();
        return true;
      } catch {
        return false;
      }
    },
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // nothing buffered yet
      }
    },
  };
}

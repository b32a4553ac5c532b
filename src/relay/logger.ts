// The relay's pino logger (JSON lines in <data>/relay.log) and the one place that makes a request path safe to
// log. A session token is the whole credential of a URL, so paths are scrubbed before they reach a log call, and
// pino redaction covers the field names a secret could hide under, for anything logged later by mistake.
import { createJsonLog, type JsonLog } from '../common/json-log.js';

export const REDACT_PATHS = [
  'token', '*.token', 'tokenHash', '*.tokenHash', 'credential', '*.credential', 'authorization', '*.authorization',
  'headers', '*.headers', 'url', '*.url', 'text', '*.text', 'body', '*.body',
];

// Any long base64url/hex run is treated as a secret wherever it appears in a path: session tokens (43),
// credentials (43), token hashes (64). Session ids (16 hex) and seqs stay readable.
const SECRET_RUN = /[A-Za-z0-9_-]{32,}/g;

/** `/s/<token>...`, `/api/s/<token>...` and `/api/d/<token>...` with the token replaced by `[token]`; the query string dropped. */
export function safePath(rawUrl: string | undefined): string {
  const path = (rawUrl ?? '/').split('?')[0] ?? '/';
  return path.replace(/(^|\/)([sd])\/[^/]*/, '$1$2/[token]').replace(SECRET_RUN, '[secret]').slice(0, 200);
}

export type RelayLogger = JsonLog;

export function createRelayLogger(file: string, level: string): RelayLogger {
  // One old file is kept: at the default level it holds start-ups, refusals and errors, months of a busy relay.
  return createJsonLog(file, level, REDACT_PATHS, 1);
}

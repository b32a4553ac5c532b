// The daemon's pino logger: JSON lines in RCD_HOME/logs/daemon.log. Secrets are redacted by path from day one,
// so a field added later under one of these names cannot leak (docs/architecture.md guarantee 7).
import { createJsonLog, type JsonLog } from '../common/json-log.js';

// Three old files are kept past each 10 MB rotation: ~40 MB at most.
export const LOG_KEEP = 3;

export const REDACT_PATHS = [
  'env', '*.env', 'token', '*.token', 'url', '*.url', 'sessionUrl', '*.sessionUrl', 'secret', '*.secret',
  'credential', '*.credential', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers.cookie', '*.headers.cookie', 'text', '*.text',
];

export type DaemonLogger = JsonLog;

export function createLogger(file: string, level: string): DaemonLogger {
  return createJsonLog(file, level, REDACT_PATHS, LOG_KEEP);
}

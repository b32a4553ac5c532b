// The daemon's pino logger: JSON lines in RCD_HOME/logs/daemon.log. Secrets are redacted by path from day one,
// so a field added later under one of these names cannot leak (DESIGN.md guarantee 7).
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'env', '*.env', 'token', '*.token', 'url', '*.url', 'sessionUrl', '*.sessionUrl', 'secret', '*.secret',
  'credential', '*.credential', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers.cookie', '*.headers.cookie', 'text', '*.text',
];

export interface DaemonLogger {
  log: Logger;
  flush(): void;
}

export function createLogger(file: string, level: string): DaemonLogger {
  const dest = pino.destination({ dest: file, mkdir: true, sync: false, mode: 0o600 });
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
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // Nothing buffered yet (the stream is still opening): nothing to lose.
      }
    },
  };
}

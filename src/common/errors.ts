// One error class for the whole project: a stable string code (for callers and the wire) plus a cause.
export type ErrorCode =
  | 'USAGE'
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'CONFLICT'
  | 'LIMIT'
  | 'BAD_REQUEST'
  | 'NOT_RUNNING'
  | 'SPAWN_FAILED'
  | 'DAEMON_UNAVAILABLE'
  | 'VERSION_MISMATCH'
  | 'ALREADY_RUNNING'
  | 'FORBIDDEN'
  | 'INTERNAL';

export class RcdError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RcdError';
    this.code = code;
  }
}

export function isErrnoException(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

export function errnoCode(err: unknown): string | undefined {
  return isErrnoException(err) ? err.code : undefined;
}

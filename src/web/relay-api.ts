// The page's calls to the relay's remote API (docs/relay-protocol.md): same origin, never cached, and an answer's
// body read as JSON when it is JSON. A proxy's or captive portal's page is not JSON: callers check the shape.
import type { Session } from './page.js';

export interface Answer {
  res: Response;
  body: unknown;
}

export async function call(s: Session, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(s.api + path, { cache: 'no-store', ...init });
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { res, body };
}

/** The relay's own message for a refusal (`{ error: { message } }`), else the status. */
export function errorText({ res, body }: Answer): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return message ? String(message) : `the relay answered ${res.status}`;
}

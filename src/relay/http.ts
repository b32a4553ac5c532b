// HTTP plumbing for the relay: a capped body reader, zod parsing with readable messages, JSON/HTML replies, and
// the error type every handler throws to answer 4xx/5xx with `{ error: { code, message } }`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { z } from 'zod';
import { BodyTooLarge, readCappedBody } from '../common/capped-body.js';
import { jsonShapeProblem, parseInTurn } from './json-guard.js';

/** An answer other than success: a status, a stable code for clients, and a message for people. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, 'BAD_REQUEST', message);

/** Reads the body up to `limit` bytes; beyond it, 413 (the rest is drained so the answer arrives). */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  try {
    return await readCappedBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new HttpError(413, 'TOO_LARGE', err.message);
    throw err;
  }
}

/** `text` as JSON (empty: `{}`); 400 for a shape no protocol message has (json-guard.ts) or bad syntax. */
export function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') return {};
  const problem = jsonShapeProblem(text);
  if (problem) throw badRequest(`the ${what} body is refused: ${problem}`);
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`the ${what} body is not valid JSON`);
  }
}

/**
 * The body (at most `limit` bytes) parsed as JSON and then by `schema`, in its turn (json-guard.ts); 400 saying
 * what is wrong otherwise.
 */
export async function readJson<S extends z.ZodTypeAny>(req: IncomingMessage, schema: S, what: string, limit: number): Promise<z.infer<S>> {
  const text = await readBody(req, limit);
  return parseInTurn(text, () => parseWith(schema, parseJson(text, what), what));
}

export function parseWith<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
      .join('; ');
    throw badRequest(`bad ${what}: ${issues}`);
  }
  return parsed.data as z.infer<S>;
}

/** A non-negative integer query parameter (absent: `fallback`). */
export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw badRequest(`query parameter ${name} must be a non-negative whole number (got "${raw.slice(0, 40)}")`);
  return Number(raw);
}

const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...NO_STORE, ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * An HTML page, gzipped for a client that accepts it: the session page inlines its script (about 95 kB, a third of
 * that gzipped; docs/benchmarks.md, "Web page size"), and a phone on a slow network waits for every byte of it.
 * The relay's pages reflect nothing of the request, so compressing them tells an eavesdropper nothing (BREACH needs
 * a secret and attacker-chosen text in one compressed body).
 */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  const gzip = /\bgzip\b/i.test(String(res.req?.headers['accept-encoding'] ?? ''));
  const body = gzip ? gzipSync(html) : Buffer.from(html);
  res.writeHead(status, {
    ...NO_STORE,
    // No page of the relay may be framed, and the token in a session URL must not travel in a Referer.
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    ...headers,
    'content-type': 'text/html; charset=utf-8',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    vary: 'accept-encoding',
    'content-length': body.length,
  });
  res.end(body);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

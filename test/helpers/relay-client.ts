// A bare HTTP client of the relay's API for tests that play a daemon or a remote client by hand (no rcd daemon):
// register, session PUT, upload, poll, prompt, each answering status, JSON and headers as the relay sent them.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fromBase64url } from '../../src/e2e/encoding.js';
import { sealInstruction, type SealedInstruction } from '../../src/e2e/instructions.js';
import { EventOpener } from '../../src/e2e/records.js';
import type { Bytes } from '../../src/e2e/webcrypto.js';
import { parseSessionUrl, urlCredential } from '../../src/e2e/url.js';
import { RegisterResponse, RelayError, type RemoteSession } from '../../src/protocol/relay.js';
import { waitFor } from './harness.js';

export interface Answer {
  status: number;
  json: unknown;
  text: string;
  headers: Headers;
}

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * An instruction body shaped as a client sends one (the relay cannot tell it from a genuine one: it can check
 * neither the seal nor the proof); tests read `text` back from it with textOf. No daemon would run it.
 */
export const fakeSealed = (text: string, key: string): { nonce: string; sealed: string; proof: string } =>
  ({ nonce: key.padEnd(16, '0'), sealed: `1.${'A'.repeat(16)}.${Buffer.from(text).toString('base64url') || 'AA'}`, proof: 'A'.repeat(43) });
export const textOf = (payload: Record<string, unknown>): string => Buffer.from(String(payload.sealed).split('.')[2] ?? '', 'base64url').toString('utf8');

/** A session's newest content key, read from the daemon's database (what seals its uploads and instructions to it). */
export function contentKeyOf(home: string, session: string): { epoch: number; raw: Bytes } {
  const db = new Database(join(home, 'rcd.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT epoch, key FROM session_keys WHERE session_id = ? ORDER BY epoch DESC LIMIT 1').get(session) as { epoch: number; key: string } | undefined;
    if (!row) throw new Error(`session ${session} has no content key yet`);
    return { epoch: row.epoch, raw: fromBase64url(row.key) };
  } finally {
    db.close();
  }
}

/** A prompt sealed and proved with the key in `url`, as rcd remote makes one (waits for the session's content key). */
export async function sealedPrompt(url: string, home: string, session: string, text: string): Promise<SealedInstruction> {
  const key = await waitFor(() => contentKeyOf(home, session), 'the session\'s content key');
  return sealInstruction(parseSessionUrl(url).secret, await EventOpener.withKeys(session, [key]), session, { kind: 'prompt', text });
}

/** A session's events as a client reads them through its URL: opened with the envelope's keys (they are sealed). */
export async function readEvents(sessionUrl: string, after = 0): Promise<{ seq: number; kind: 'output' | 'state'; text: string }[]> {
  const api = await apiOf(sessionUrl);
  const status = (await (await fetch(api)).json()) as { envelope: string | null };
  assert.ok(status.envelope, 'the relay hands out the envelope of a working URL');
  const opener = await EventOpener.forUrl(parseSessionUrl(sessionUrl), status.envelope);
  const body = (await (await fetch(`${api}/events?after=${after}`)).json()) as { events: { seq: number; kind: string; data: string }[] };
  const out = [];
  for (const e of body.events) {
    const opened = await opener.read(e);
    out.push({ seq: e.seq, kind: opened.kind, text: Buffer.from(opened.data).toString('utf8') });
  }
  return out;
}

/** The relay API endpoint a session URL opens (`<relay>/api/s/<credential>`), as rcd remote and the page derive it. */
export async function apiOf(sessionUrl: string): Promise<string> {
  const u = parseSessionUrl(sessionUrl);
  return `${u.base}/api/s/${await urlCredential(u)}`;
}
export const newSessionId = (): string => randomBytes(8).toString('hex');
export const newToken = (): string => randomBytes(32).toString('base64url');
export const errorCode = (a: Answer): string => RelayError.parse(a.json).error.code;

/**
 * A sealed view as a stand-in daemon sends it: well formed, opaque to the relay, and telling one view from another
 * (`label`), which is all the relay's tests need of it.
 */
export const fakeView = (label: string): string => `1.${'A'.repeat(16)}.${Buffer.from(label).toString('base64url')}`;

export const sessionView = (id: string, over: Partial<RemoteSession> = {}): RemoteSession => ({
  id, live: true, updatedAt: new Date().toISOString(), lastSeq: 0, sealed: fakeView(`s-${id.slice(0, 4)}`), ...over,
});

export const outputEvent = (seq: number, text: string) =>
  ({ seq, at: new Date().toISOString(), kind: 'output' as const, data: Buffer.from(text).toString('base64') });

export class RelayClient {
  constructor(readonly url: string) {}

  async call(method: string, path: string, body?: unknown, credential?: string, signal?: AbortSignal): Promise<Answer> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // an HTML page or an empty 204
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  /** A new daemon identity; fails the test unless the relay registers it. */
  async register(): Promise<{ daemonId: string; credential: string }> {
    const a = await this.call('POST', '/api/daemon/register', {});
    assert.equal(a.status, 200, a.text);
    return RegisterResponse.parse(a.json);
  }

  putSession(credential: string, id: string, tokenHash: string | null, over: Partial<RemoteSession> = {}): Promise<Answer> {
    return this.call('PUT', `/api/daemon/sessions/${id}`, { session: sessionView(id, over), access: tokenHash ? { tokenHash, expiresAt: null } : null }, credential);
  }

  upload(credential: string, id: string, events: ReturnType<typeof outputEvent>[]): Promise<Answer> {
    return this.call('POST', '/api/daemon/events', { sessions: [{ id, events }] }, credential);
  }

  prompt(token: string, text: string, key = randomBytes(8).toString('hex')): Promise<Answer> {
    return this.call('POST', `/api/s/${token}/instructions`, fakeSealed(text, key));
  }

  /** Starts a long-poll and returns (its answer still to come) once the relay holds it. */
  async hold<T>(start: () => Promise<T>): Promise<{ answer: Promise<T> }> {
    const before = await this.heldPolls();
    const answer = start();
    await waitFor(async () => (await this.heldPolls()) > before, 'the relay to hold the poll');
    return { answer };
  }

  /** The relay's own count of long-polls it holds now (its status page). */
  async heldPolls(): Promise<number> {
    const m = /long-polls held now<\/td><td>(\d+)</.exec((await this.call('GET', '/')).text);
    assert.ok(m, 'the status page shows the held long-polls');
    return Number(m[1]);
  }
}

// The page asks the daemon itself something through its device URL (docs/e2e-protocol.md), as `rcd remote start`
// does (src/cli/commands/remote-start.ts askDaemon): the body sealed under the device key and proved with the URL's
// key (src/e2e/device-instructions.ts), POSTed to `<relay>/api/d/<credential>/instructions`, then the sealed result
// long-polled from `…/instructions/<id>?wait=` and opened with the same key. The relay reads neither. Used for the
// start form (`dirs`, `start`) and notifications (`push-subscribe`, `push-unsubscribe`); WebCrypto only, so it runs
// in Node as well (test/integration/web-device-api.test.ts drives it against a real relay and daemon).
import { openDeviceResult, sealDeviceInstruction } from '../e2e/device-instructions.js';
import { apiBase, type DeviceUrl } from '../e2e/url.js';
import type { DeviceInstructionResult } from '../protocol/instruction-body.js';

// Each wait for the result is a long-poll the relay holds up to this long (it answers at once when the result comes).
const POLL_MS = 10_000;
// A POST that failed on the way is sent again, the very same body: its nonce makes it run once whatever happened.
const RETRIES = 3;

export type Result = DeviceInstructionResult;

/** What went wrong, in words for the person; `status`: the relay's HTTP status, when it answered. */
export class AskFailed extends Error {
  constructor(message: string, readonly status = 0) {
    super(message);
    this.name = 'AskFailed';
  }
}

async function request(url: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store', ...init });
  } catch {
    throw new AskFailed('Cannot reach the relay.');
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    throw new AskFailed(message ? String(message) : `the relay answered ${res.status}`, res.status);
  }
  return body;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `body` to the daemon and waits up to `waitMs` for its answer: the result, or null when none came in time
 * (the daemon is offline or busy: the relay keeps the instruction and the daemon carries it out when it takes it).
 */
export async function askDaemon(d: DeviceUrl, body: Record<string, unknown>, waitMs: number): Promise<{ id: string; result: Result | null }> {
  if (d.scope !== 'control') throw new AskFailed('This is a view-only device URL: it reads the sessions, it cannot ask the daemon anything.');
  const base = await apiBase(d);
  const sealed = await sealDeviceInstruction(d.secret, d.daemonId, body);
  let accepted: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      accepted = await request(`${base}/instructions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sealed) });
      break;
    } catch (err) {
      const status = (err as AskFailed).status;
      if (attempt >= RETRIES || (status !== 0 && status < 500)) throw err;
      await sleep(500 * attempt);
    }
  }
  const id = (accepted as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new AskFailed('The relay\'s answer was not understood.');
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return { id, result: null };
    const state = await request(`${base}/instructions/${id}?wait=${Math.min(left, POLL_MS)}`) as { result?: unknown } | null;
    if (typeof state?.result !== 'string') continue;
    let opened: unknown;
    try {
      opened = await openDeviceResult(d.secret, d.daemonId, sealed.nonce, state.result);
    } catch {
      throw new AskFailed('The answer the relay handed back is not the daemon\'s (it does not open with this URL\'s key).');
    }
    return { id, result: checked(opened) };
  }
}

/**
 * The result's outline (the page has no zod): enough that every field read is of the type read. What it holds is
 * the daemon's, but still only ever shown as text.
 */
function checked(v: unknown): Result {
  const r = v as Record<string, unknown> | null;
  const fail = () => new AskFailed('The daemon\'s answer is not one this page understands.');
  if (!r || typeof r !== 'object' || typeof r.ok !== 'boolean') throw fail();
  if (!r.ok) {
    if (typeof r.error !== 'string') throw fail();
    return { ok: false, error: r.error };
  }
  const strings = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'string');
  if ('dirs' in r && (!strings(r.dirs) || !strings(r.roots) || !(r.path === null || typeof r.path === 'string'))) throw fail();
  if ('session' in r) {
    const s = r.session as Record<string, unknown> | null;
    if (!s || typeof s.id !== 'string' || !/^[0-9a-f]{16}$/.test(s.id) || typeof s.name !== 'string' || typeof s.cwd !== 'string') throw fail();
  }
  return r as unknown as Result;
}

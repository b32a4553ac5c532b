// Bad input on the control socket gets a clear 4xx and changes nothing; the daemon never falls over on it.
// Everything here talks straight to the real daemon's unix socket with node:http / node:net, as a script would.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorBody, MAX_REQUEST_BYTES, VERBS, requests, type Verb } from '../../src/protocol/api.js';
import { Rcd, fixture, type SessionDoc } from '../helpers/harness.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

function call(socketPath: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string | number> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let failure: Error | undefined;
    const req = httpRequest({ socketPath, method, path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer to ${method} ${path} within ${REQUEST_TIMEOUT_MS} ms`)));
    // A write that fails because the daemon has answered and closed (EPIPE) is not a failure of the exchange: what
    // counts is the answer. Only a connection that closes without one fails the call.
    req.on('error', (err: NodeJS.ErrnoException) => {
      failure = err;
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    req.on('close', () => {
      if (!answered) reject(failure ?? new Error(`the daemon closed ${method} ${path} without an answer`));
    });
    req.end(body);
  });
}

const post = (socketPath: string, verb: string, body: string) =>
  call(socketPath, 'POST', `/v1/${verb}`, body, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });

/**
 * Writes raw bytes (then `more`, if given, as it drains), half-closes, and collects whatever comes back until the
 * daemon closes the connection. Write errors (the daemon hanging up early) are expected and ignored.
 */
function rawExchange(socketPath: string, data: string | Buffer, more?: Iterable<Buffer | string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the daemon neither answered nor closed within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    sock.write(data);
    const rest = more?.[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        if (sock.destroyed) return;
        const next = rest?.next();
        if (!next || next.done) {
          sock.end();
          return;
        }
        if (!sock.write(next.value)) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

const statusLine = (raw: string) => raw.slice(0, raw.indexOf('\r\n'));

function assertJsonError(r: Reply, status: number, code?: string): { code: string; message: string } {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.body}`);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const parsed = ErrorBody.safeParse(JSON.parse(r.body));
  assert.ok(parsed.success, `not an error body: ${r.body}`);
  assert.ok(parsed.data.error.message.length > 0);
  if (code) assert.equal(parsed.data.error.code, code);
  return parsed.data.error;
}

const snapshot = (sessions: SessionDoc[]) => sessions.map((s) => ({ id: s.id, state: s.state, pid: s.pid }));

describe('bad input on the control socket', () => {
  const rcd = new Rcd('rcd-bad-');
  let workdir: string;
  let socket: string;
  let daemonPid: number;
  let initial: ReturnType<typeof snapshot>;
  let sessionId: string;

  before(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'rcd-bad-cwd-'));
    sessionId = (await rcd.ok(['start', '--cwd', workdir, '--', process.execPath, fixture('echo.mjs')])).trim();
    const doc = await rcd.status();
    socket = doc.daemon.socket;
    daemonPid = doc.daemon.pid;
    initial = snapshot(doc.sessions);
    assert.equal(initial.length, 1);
    assert.equal(initial[0]?.state, 'running');
  });

  after(async () => {
    try {
      assert.deepEqual(await rcd.teardown(), []);
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });

  it('answers garbage bytes with 400 or by closing the connection', async () => {
    const garbage: (string | Buffer)[] = [
      Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]),
      'GET',
      'HELLO WORLD\r\n\r\n',
      'POST /v1/status HTTP/9.9\r\n\r\n',
      'POST /v1/status HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n',
      'POST /v1/status HTTP/1.1\r\nhost: x\r\ncontent-length: -5\r\n\r\n{}',
      'POST /v1/status HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 7\r\n\r\n{}',
      'POST /v1/status HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      `POST /v1/status HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(32 * 1024)}\r\n\r\n`,
    ];
    for (const bytes of garbage) {
      const raw = await rawExchange(socket, bytes);
      assert.ok(raw === '' || statusLine(raw) === 'HTTP/1.1 400 Bad Request', `${JSON.stringify(String(bytes).slice(0, 60))} got ${JSON.stringify(raw.slice(0, 120))}`);
    }
  });

  it('answers a body that is not JSON with 400 and a JSON error', async () => {
    for (const [verb, body] of [['status', '{'], ['start', '{"cwd": "/x",'], ['stop', "{'session': 'a'}"], ['logs', 'nul'], ['send', '\u0000'], ['rm', '[1, 2']] as const) {
      const error = assertJsonError(await post(socket, verb, body), 400, 'BAD_REQUEST');
      assert.match(error.message, /not valid JSON/, `${verb} ${body}`);
    }
  });

  it('answers a body that does not fit the schema with 400, naming what is wrong', async () => {
    const validStart = { cwd: '/nonexistent-rcd-test', agent: 'generic', command: ['node'], env: {} };
    const cases: [Verb, unknown, RegExp][] = [
      ['stop', {}, /session/],
      ['stop', { session: 5 }, /session/],
      ['stop', { session: sessionId, extra: 1 }, /extra/],
      ['rm', { session: '' }, /session/],
      ['rm', { session: sessionId, purge: true }, /purge/],
      ['send', { session: sessionId }, /text/],
      ['send', { session: sessionId, text: ['hi'] }, /text/],
      ['send', { session: sessionId, text: 'x'.repeat(MAX_REQUEST_BYTES / 2 + 1) }, /^bad send request: text is too long: at most 524288 characters$/],
      ['start', { ...validStart, cwd: `/${'d'.repeat(5000)}` }, /^bad start request: cwd is too long: at most 4096 characters$/],
      ['logs', { session: sessionId, from: -1 }, /from/],
      ['logs', { session: sessionId, follow: 'yes' }, /follow/],
      ['logs', { session: sessionId, from: 1.5 }, /from/],
      ['status', { session: '' }, /session/],
      ['status', { verbose: true }, /verbose/],
      ['status', [], /body/],
      ['status', null, /body/],
      ['start', { ...validStart, command: undefined }, /command/],
      ['start', { ...validStart, command: 'node x.mjs' }, /command/],
      ['start', { ...validStart, cwd: 7 }, /cwd/],
      ['start', { ...validStart, agent: 'bogus' }, /agent/],
      ['start', { ...validStart, restart: 'sometimes' }, /restart/],
      ['start', { ...validStart, name: '-dash-first' }, /name/],
      ['start', { ...validStart, name: 'deadbeef' }, /^bad start request: name: "deadbeef" looks like a session id/],
      ['start', { ...validStart, env: { A: 1 } }, /env/],
      ['start', { ...validStart, detach: true }, /detach/],
      // A typo must not shut the daemon down.
      ['shutdown', { force: true }, /force/],
      ['shutdown', [], /body/],
    ];
    for (const [verb, body, mentions] of cases) {
      const text = JSON.stringify(body);
      const error = assertJsonError(await post(socket, verb, text), 400, 'BAD_REQUEST');
      assert.match(error.message, mentions, `${verb} ${text.slice(0, 80)}: ${error.message}`);
    }
  });

  it('answers an unknown verb or path with 404', async () => {
    for (const path of ['/v1/frobnicate', '/v1/', '/v2/status', '/', '/v1/status/extra', '/v1/Status', '/status']) {
      assertJsonError(await call(socket, 'POST', path, '{}', { 'content-type': 'application/json', 'content-length': 2 }), 404, 'NOT_FOUND');
    }
  });

  it('answers other methods on a POST verb with 405 and allow: POST', async () => {
    for (const [method, verb] of [['GET', 'stop'], ['GET', 'start'], ['GET', 'shutdown'], ['PUT', 'status'], ['DELETE', 'rm'], ['PATCH', 'send']] as const) {
      const r = await call(socket, method, `/v1/${verb}`);
      assertJsonError(r, 405);
      assert.equal(r.headers.allow, 'POST', `${method} /v1/${verb}`);
    }
  });

  // Raw sockets here: the daemon may answer 413 and hang up while the client is still uploading, so what
  // matters is what it sent back, not whether the upload got through.
  const CHUNK = 64 * 1024;
  const CHUNKS = MAX_REQUEST_BYTES / CHUNK + 1; // one chunk over the limit
  const bigBody = function* (chunked: boolean) {
    const chunk = Buffer.alloc(CHUNK, 0x20);
    for (let i = 0; i < CHUNKS; i++) {
      if (chunked) yield `${CHUNK.toString(16)}\r\n`;
      yield chunk;
      if (chunked) yield '\r\n';
    }
    if (chunked) yield '0\r\n\r\n';
  };

  it('answers a body over 1 MiB with 413 (content-length)', async () => {
    const raw = await rawExchange(socket, `POST /v1/status HTTP/1.1\r\nhost: rcd\r\ncontent-length: ${CHUNKS * CHUNK}\r\n\r\n`, bigBody(false));
    assert.equal(statusLine(raw), 'HTTP/1.1 413 Payload Too Large', `got ${JSON.stringify(raw.slice(0, 200))}`);
    assert.match(raw, /"code":"BAD_REQUEST"/);
  });

  it('answers a body over 1 MiB with 413 (chunked, no content-length)', async () => {
    const raw = await rawExchange(socket, 'POST /v1/status HTTP/1.1\r\nhost: rcd\r\ntransfer-encoding: chunked\r\n\r\n', bigBody(true));
    assert.equal(statusLine(raw), 'HTTP/1.1 413 Payload Too Large', `got ${JSON.stringify(raw.slice(0, 200))}`);
  });

  it('survives thousands of random and mutated requests, and its state is unchanged', async (t) => {
    const result = await fuzz(socket, { count: 3000, deadlineMs: 60_000, concurrency: 16, seed: Number(process.env.RCD_FUZZ_SEED ?? 20261130) }, sessionId);
    t.diagnostic(`seed ${result.seed}: ${result.sent} requests sent (${JSON.stringify(result.byStatus)}), ${result.skipped} valid state-changing ones held back`);
    assert.deepEqual(result.failures, [], `seed ${result.seed}: ${result.failures.length} bad answers`);
    assert.ok(result.sent >= 1000, `only ${result.sent} requests went out before the deadline`);
    const doc = await rcd.status();
    assert.equal(doc.daemon.pid, daemonPid);
    assert.deepEqual(snapshot(doc.sessions), initial);
  });
});

// ---- the fuzzer ----------------------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with RCD_FUZZ_SEED. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

// Every start the fuzzer lets through names a directory under here, which never exists: the daemon must
// refuse it before anything is created.
const NOWHERE = '/nonexistent-rcd-fuzz';

const CHARS = 'abcdefABCDEF0123456789 ._-/\\"\'{}[]:,\u0000\u0007\n\t\u00e9\u2603\ud83d\ude00%?#&=';

function randomString(r: Rng): string {
  const n = r.pick([0, 1, 2, 3, 8, 16, 40, 65, 300]);
  let s = '';
  for (let i = 0; i < n; i++) s += CHARS[r.int(CHARS.length)];
  return s;
}

function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 8)) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick([0, -1, 1, 1.5, -0.0, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, 4096, 4097, 65536]);
    case 3: return randomString(r);
    case 4: return r.pick(['', 'generic', 'claude', 'no', 'on-failure', 'always', 'node', NOWHERE, '/', '.', '..', 'a', '0', 'f']);
    case 5: return 'x'.repeat(r.pick([64, 65, 256, 257, 4097, 65537]));
    case 6: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(['session', 'cwd', 'command', 'env', 'text', 'from', 'follow', '__proto__', 'constructor', randomString(r)])] = randomValue(r, depth + 1);
      return o;
    }
  }
}

function validBody(verb: Verb, r: Rng, sessionId: string): Record<string, unknown> {
  switch (verb) {
    case 'status': return r.chance(0.5) ? {} : { session: sessionId };
    case 'start': return {
      cwd: `${NOWHERE}/${r.int(1000)}`, agent: 'generic', command: [process.execPath, fixture('echo.mjs')], env: { PATH: '/usr/bin' },
      ...(r.chance(0.3) ? { name: `fuzz-${r.int(1000)}` } : {}), ...(r.chance(0.3) ? { restart: r.pick(['no', 'on-failure', 'always']) } : {}),
    };
    case 'stop': return { session: `no-such-${r.int(1000)}` };
    case 'restart': return { session: `no-such-${r.int(1000)}` };
    case 'send': return { session: `no-such-${r.int(1000)}`, text: 'hello' };
    case 'rm': return { session: `no-such-${r.int(1000)}` };
    case 'logs': return { session: r.chance(0.5) ? sessionId : 'no-such', follow: false, from: r.int(5) };
    case 'shutdown': return {};
    case 'url': return { session: r.chance(0.5) ? sessionId : 'no-such', ...(r.chance(0.3) ? { rotate: true } : {}) };
    case 'approvals': return r.chance(0.5) ? {} : { session: r.chance(0.5) ? sessionId : 'no-such', all: r.chance(0.5) };
    case 'approve': return { session: r.chance(0.5) ? sessionId : 'no-such', ...(r.chance(0.5) ? { request: 'abc' } : {}) };
    case 'deny': return { session: r.chance(0.5) ? sessionId : 'no-such', ...(r.chance(0.5) ? { message: 'no' } : {}) };
    case 'answer': return { session: r.chance(0.5) ? sessionId : 'no-such', args: r.chance(0.5) ? ['1'] : ['abcd', 'red'] };
    case 'mode': return { session: r.chance(0.5) ? sessionId : 'no-such', mode: r.pick(['default', 'acceptEdits', 'plan']) };
    case 'interrupt': return { session: r.chance(0.5) ? sessionId : 'no-such' };
  }
}

function mutate(value: Record<string, unknown>, r: Rng): unknown {
  let v: unknown = value;
  for (let n = 1 + r.int(3); n > 0; n--) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      v = r.chance(0.5) ? randomValue(r) : v;
      continue;
    }
    const o = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    const key = keys.length ? r.pick(keys) : 'session';
    switch (r.int(8)) {
      case 0: delete o[key]; break;
      case 1: o[key] = randomValue(r); break;
      case 2: o[randomString(r) || 'extra'] = randomValue(r); break;
      case 3: o[key.toUpperCase()] = o[key]; delete o[key]; break;
      case 4: if (Array.isArray(o.command)) o.command = [...(o.command as unknown[]), randomValue(r)]; else o.command = randomValue(r); break;
      case 5: o.env = r.chance(0.5) ? { [randomString(r)]: randomValue(r) } : randomValue(r); break;
      case 6: v = [o]; continue;
      default: v = randomValue(r); continue;
    }
    v = o;
  }
  return v;
}

function corruptText(text: string, r: Rng): string {
  switch (r.int(7)) {
    case 0: return text.slice(0, r.int(text.length + 1));
    case 1: { const i = r.int(text.length + 1); return text.slice(0, i) + CHARS[r.int(CHARS.length)] + text.slice(i); }
    case 2: return text + r.pick(['}', ']', ',', ' garbage', '\u0000', '{}']);
    case 3: return `\ufeff${text}`;
    case 4: return '['.repeat(r.pick([10, 1000, 100_000]));
    case 5: return r.pick(['', '   ', 'null', 'true', '0', '"status"', '{}{}']);
    default: return randomString(r);
  }
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

function randomRequest(r: Rng, sessionId: string): FuzzRequest {
  const verb = r.pick(VERBS);
  const method = r.chance(0.85) ? 'POST' : r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
  const path = r.chance(0.8)
    ? `/v1/${verb}`
    : r.pick([
      `/v1/${'abcdefghijklmnopqrstuvwxyz'.slice(r.int(20), 20 + r.int(6))}`, `/v1/${verb}?x=1`, `/v1/${verb}/`, `/V1/${verb}`,
      `/v1/${verb.toUpperCase()}`, `/v1/./${verb}`, `/v1/x/../${verb}`, `/${verb}`, `//v1/${verb}`, `/v1/%73tatus`, `/v1/${verb}#frag`, '/',
    ]);
  let text: string;
  const shape = r.int(10);
  if (shape < 6) text = JSON.stringify(mutate(validBody(verb, r, sessionId), r)) ?? '';
  else if (shape < 8) text = corruptText(JSON.stringify(validBody(verb, r, sessionId)), r);
  else text = JSON.stringify(randomValue(r)) ?? '';
  const headers: Record<string, string> = r.chance(0.8) ? { 'content-type': 'application/json' } : r.chance(0.5) ? { 'content-type': 'text/plain' } : {};
  return { method, path, headers, body: text };
}

type Verdict = { skip: true } | { skip: false; expect: 'reject' | number };

/**
 * What the daemon should do with a request, decided the way its router and schemas decide. Requests that would
 * be valid and change something (any valid shutdown; a start, stop, rm or send that could take effect; a logs
 * --follow that would hold the connection open) are not sent: the point is that bad input is refused.
 */
function judge(req: FuzzRequest, sessions: { id: string; name: string }[]): Verdict {
  const m = /^\/v1\/([a-z]+)$/.exec(new URL(req.path, 'http://rcd').pathname);
  const verb = m?.[1];
  if (!verb || !(VERBS as string[]).includes(verb)) return { skip: false, expect: 404 };
  if (req.method !== 'POST' && !(req.method === 'GET' && verb === 'status')) return { skip: false, expect: 405 };
  if (req.method === 'GET') return { skip: false, expect: 200 };
  const received = Buffer.from(req.body, 'utf8').toString('utf8'); // what the daemon decodes (lone surrogates become U+FFFD)
  let json: unknown;
  try {
    json = received.trim() === '' ? {} : JSON.parse(received);
  } catch {
    return { skip: false, expect: 'reject' };
  }
  const parsed = requests[verb as Verb].safeParse(json);
  if (!parsed.success) return { skip: false, expect: 'reject' };
  const data = parsed.data as Record<string, unknown>;
  const ref = typeof data.session === 'string' ? data.session : undefined;
  const resolves = ref !== undefined && sessions.some((s) => s.id === ref || s.name === ref || s.id.startsWith(ref));
  switch (verb as Verb) {
    case 'shutdown':
      return { skip: true };
    case 'start': {
      const cwd = data.cwd as string;
      return cwd.startsWith(`${NOWHERE}/`) && !existsSync(cwd) ? { skip: false, expect: 'reject' } : { skip: true };
    }
    case 'stop':
    case 'restart':
    case 'rm':
    case 'send':
      return resolves ? { skip: true } : { skip: false, expect: 404 };
    case 'logs':
      if (!resolves) return { skip: false, expect: 404 };
      return data.follow ? { skip: true } : { skip: false, expect: 200 };
    case 'status':
      return { skip: false, expect: ref === undefined || resolves ? 200 : 404 };
    case 'url':
      return { skip: false, expect: 400 }; // this daemon has no relay: refused before anything is looked up
    case 'approvals':
      return { skip: false, expect: ref === undefined || resolves ? 200 : 404 };
    case 'approve':
    case 'deny':
    case 'answer':
    case 'mode':
    case 'interrupt':
      return { skip: false, expect: 404 }; // no such session, or a generic one: nothing can be waiting
  }
}

async function fuzz(socket: string, opts: { count: number; deadlineMs: number; concurrency: number; seed: number }, sessionId: string) {
  const r = prng(opts.seed);
  const doc = await call(socket, 'POST', '/v1/status', '{}');
  const sessions = (JSON.parse(doc.body) as { sessions: { id: string; name: string }[] }).sessions;
  const failures: string[] = [];
  const deadline = Date.now() + opts.deadlineMs;
  let sent = 0;
  let skipped = 0;
  const byStatus: Record<string, number> = {};
  const count = (key: string) => {
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  };
  const describeReq = (q: FuzzRequest) => `${q.method} ${q.path} ${JSON.stringify(q.body.slice(0, 120))}`;

  const one = async () => {
    if (r.chance(0.1)) {
      // Raw HTTP: random bytes, or a status request with a byte flipped somewhere (harmless whatever it becomes).
      const base = Buffer.from('POST /v1/status HTTP/1.1\r\nhost: rcd\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
      const bytes = r.chance(0.5) ? Buffer.from(Array.from({ length: 1 + r.int(200) }, () => r.int(256))) : base;
      if (bytes === base) base[r.int(base.length)] = r.int(256);
      sent++;
      try {
        const raw = await rawExchange(socket, bytes);
        count(`raw ${statusLine(raw).split(' ')[1] ?? 'closed'}`);
        if (/^HTTP\/1\.1 5/.test(raw)) failures.push(`raw ${JSON.stringify(bytes.toString('latin1'))} -> ${statusLine(raw)}`);
      } catch (err) {
        failures.push(`raw ${JSON.stringify(bytes.toString('latin1'))} -> ${(err as Error).message}`);
      }
      return;
    }
    let req: FuzzRequest;
    let verdict: Verdict;
    for (;;) {
      req = randomRequest(r, sessionId);
      verdict = judge(req, sessions);
      if (!verdict.skip) break;
      skipped++;
    }
    sent++;
    try {
      const res = await call(socket, req.method, req.path, req.body, { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) });
      count(String(res.status));
      const ok = verdict.expect === 'reject' ? res.status >= 400 && res.status < 500 : res.status === verdict.expect;
      if (!ok) failures.push(`${describeReq(req)} -> ${res.status} (expected ${verdict.expect}) ${res.body.slice(0, 200)}`);
    } catch (err) {
      failures.push(`${describeReq(req)} -> ${(err as Error).message}`);
    }
  };

  const worker = async () => {
    while (sent < opts.count && Date.now() < deadline && failures.length < 20) await one();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { seed: opts.seed, sent, skipped, byStatus, failures };
}

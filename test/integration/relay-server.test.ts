// The relay server in-process (startRelay on 127.0.0.1, port 0, a temp data dir), driven over real HTTP by a fake
// daemon and a fake remote client: credentials, session access (rotate, revoke, forge, expiry), idempotent event
// upload with contiguous acks, instruction long-poll and ack, limits and bad input, the HTML pages, a restart on
// the same data, and no token or credential in the log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import {
  MAX_EVENTS_PER_BATCH, MAX_RELAY_BODY_BYTES, PollResponse, RegisterResponse, RelayError,
  RemoteEarlierEventsResponse, RemoteEventsResponse, RemoteStatusResponse, type RemoteSession,
} from '../../src/protocol/relay.js';
import { startRelay, type RunningRelay } from '../../src/relay/main.js';
import { storeUnderTest } from '../helpers/relay-store.js';
import { waitFor } from '../helpers/harness.js';
import { RelayClient, errorCode, fakeSealed, fakeView, sha, textOf, type Answer } from '../helpers/relay-client.js';
const sessionId = () => randomBytes(8).toString('hex');

describe('relay server', () => {
  let dir: string;
  let relay: RunningRelay;
  let store: { store?: string } = {};
  /** Every token and credential handed to or issued by the relay: none may reach its log. */
  const secrets: string[] = [];

  // The same HTTP call the other relay tests make; the relay is started per test, so the client is made per call.
  const call = (method: string, path: string, body?: unknown, credential?: string, signal?: AbortSignal): Promise<Answer> =>
    new RelayClient(relay.url).call(method, path, body, credential, signal);
  /** The relay's own count of long-polls it holds now (its status page): a poll is known to be held, not guessed. */
  const heldPolls = async (): Promise<number> => {
    const m = /long-polls held now<\/td><td>(\d+)</.exec((await call('GET', '/')).text);
    assert.ok(m, 'the status page shows the held long-polls');
    return Number(m[1]);
  };
  /** Starts a long-poll and returns (its answer still to come) once the relay holds it. */
  const holdPoll = async <T>(start: () => Promise<T>): Promise<{ answer: Promise<T> }> => {
    const before = await heldPolls();
    const answer = start();
    await waitFor(async () => (await heldPolls()) > before, 'the relay to hold the poll');
    return { answer };
  };

  const register = async () => {
    const a = await call('POST', '/api/daemon/register', {});
    assert.equal(a.status, 200, a.text);
    const r = RegisterResponse.parse(a.json);
    secrets.push(r.credential);
    return r;
  };
  const newToken = () => {
    const t = randomBytes(32).toString('base64url');
    secrets.push(t);
    return t;
  };
  const view = (id: string, over: Partial<RemoteSession> = {}): RemoteSession => ({
    id, live: true, updatedAt: new Date().toISOString(), lastSeq: 0, sealed: fakeView(`s-${id.slice(0, 4)}`), ...over,
  });
  const put = (cred: string, id: string, token: string | null, over: Partial<RemoteSession> = {}, expiresAt: string | null = null) =>
    call('PUT', `/api/daemon/sessions/${id}`, { session: view(id, over), access: token ? { tokenHash: sha(token), expiresAt } : null }, cred);
  const out = (seq: number, text: string) => ({ seq, at: new Date().toISOString(), kind: 'output' as const, data: Buffer.from(text).toString('base64') });
  const upload = (cred: string, id: string, events: ReturnType<typeof out>[]) => call('POST', '/api/daemon/events', { sessions: [{ id, events }] }, cred);
  const pollNow = async (cred: string, wait = 0) => {
    const a = await call('GET', `/api/daemon/poll?wait=${wait}`, undefined, cred);
    assert.equal(a.status, 200, a.text);
    return PollResponse.parse(a.json).instructions;
  };
  const prompt = (token: string, text: string, key = randomBytes(8).toString('hex')) => call('POST', `/api/s/${token}/instructions`, fakeSealed(text, key));
  /** A registered daemon with one session reachable by a fresh token. */
  const setup = async (over: Partial<RemoteSession> = {}) => {
    const d = await register();
    const id = sessionId();
    const token = newToken();
    assert.equal((await put(d.credential, id, token, over)).status, 200);
    return { cred: d.credential, id, token };
  };

  // Every test here registers daemons of its own from 127.0.0.1: far more than one address may (relay-limits.test.ts).
  const manyDaemons = { registerBurst: 1000 };

  before(async () => {
    dir = mkdtempSync('/tmp/rcd-relay-');
    store = await storeUnderTest();
    relay = await startRelay({ ...store, host: '127.0.0.1', port: 0, data: dir, logLevel: 'trace', ...manyDaemons });
  });

  after(async () => {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /api/info and a status page with counts only', async () => {
    const info = await call('GET', '/api/info');
    assert.equal(info.status, 200);
    assert.deepEqual(info.json, { name: 'rcd-relay', version: '0.1.0', protocol: 2 });
    const { id } = await setup({ sealed: fakeView('secret-project-name') });
    const page = await call('GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /sessions/);
    assert.ok(!page.text.includes('secret-project-name') && !page.text.includes(id), 'no session names or ids on the status page');
  });

  it('registers daemons and refuses daemon calls without a known credential (401)', async () => {
    const d = await register();
    assert.match(d.credential, /^[A-Za-z0-9_-]{43}$/);
    const id = sessionId();
    const body = { session: view(id), access: null };
    for (const cred of [undefined, 'not-a-credential', `${d.credential.slice(0, -1)}${d.credential.endsWith('A') ? 'B' : 'A'}`]) {
      const a = await call('PUT', `/api/daemon/sessions/${id}`, body, cred);
      assert.equal(a.status, 401, `credential ${String(cred)}`);
      assert.equal(errorCode(a), 'UNAUTHORIZED');
      assert.equal((await call('GET', '/api/daemon/poll?wait=0', undefined, cred)).status, 401);
    }
    assert.equal((await call('PUT', `/api/daemon/sessions/${id}`, body, d.credential)).status, 200);
    // Another daemon cannot take over that session id.
    const other = await register();
    const taken = await call('PUT', `/api/daemon/sessions/${id}`, body, other.credential);
    assert.equal(taken.status, 409);
    assert.equal((await call('DELETE', `/api/daemon/sessions/${id}`, undefined, other.credential)).status, 404);
  });

  it('shows a registered session to a holder of its token', async () => {
    const { token, id } = await setup({ sealed: fakeView('alpha') });
    const a = await call('GET', `/api/s/${token}`);
    assert.equal(a.status, 200, a.text);
    const s = RemoteStatusResponse.parse(a.json);
    assert.equal(s.session.id, id);
    assert.equal(s.session.sealed, fakeView('alpha'), 'the sealed view as the daemon sent it');
    assert.deepEqual([s.firstSeq, s.lastSeq], [0, 0]);
    assert.equal(s.daemonOnline, true, 'the daemon made a call just now');
  });

  it('stores events idempotently and acknowledges the highest contiguous seq', async () => {
    const { cred, id, token } = await setup();
    const acked = async (seqs: number[]) => {
      const a = await upload(cred, id, seqs.map((s) => out(s, `line ${s}\n`)));
      assert.equal(a.status, 200, a.text);
      return (a.json as { acked: Record<string, number> }).acked[id];
    };
    assert.equal(await acked([1, 2, 4]), 2);
    // Only what is contiguous is served: seq 4 waits for 3.
    let ev = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=0`)).json);
    assert.deepEqual(ev.events.map((e) => e.seq), [1, 2]);
    assert.equal(await acked([3]), 4);
    assert.equal(await acked([1, 2, 3, 4]), 4, 'a repeat changes nothing');
    assert.equal(await acked([]), 4);
    ev = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=0`)).json);
    assert.deepEqual(ev.events.map((e) => e.seq), [1, 2, 3, 4]);
    assert.equal(Buffer.from(ev.events[2]?.data ?? '', 'base64').toString(), 'line 3\n');
    assert.equal(ev.gap, false);
    assert.equal(ev.more, true, 'the session is live');
    ev = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=2`)).json);
    assert.deepEqual(ev.events.map((e) => e.seq), [3, 4]);
    const s = RemoteStatusResponse.parse((await call('GET', `/api/s/${token}`)).json);
    assert.deepEqual([s.firstSeq, s.lastSeq], [1, 4]);
    // A session that is not the daemon's stores nothing.
    const stray = await call('POST', '/api/daemon/events', { sessions: [{ id, events: [out(5, 'x')] }, { id: sessionId(), events: [] }] }, cred);
    assert.equal(stray.status, 404);
    assert.equal(await acked([]), 4);
  });

  it('serves history backwards: the newest events before a seq, oldest first, and whether earlier ones remain', async () => {
    const { cred, id, token } = await setup();
    assert.equal((await upload(cred, id, Array.from({ length: 7 }, (_, i) => out(i + 1, `e${i + 1}`)).concat(out(9, 'e9')))).status, 200);
    const page = async (q: string) => RemoteEarlierEventsResponse.parse((await call('GET', `/api/s/${token}/events?${q}`)).json);
    const seqs = (p: { events: { seq: number }[] }) => p.events.map((e) => e.seq);
    // The end first: seq 9 waits for 8, so the newest served is 7 whatever `before` says.
    let p = await page('before=100&limit=3');
    assert.deepEqual([seqs(p), p.earlier, p.gap], [[5, 6, 7], true, false]);
    assert.equal(Buffer.from(p.events[0]?.data ?? '', 'base64').toString(), 'e5');
    p = await page('before=5&limit=3');
    assert.deepEqual([seqs(p), p.earlier], [[2, 3, 4], true]);
    p = await page('before=2&limit=3');
    assert.deepEqual([seqs(p), p.earlier, p.gap], [[1], false, false], 'the first page says there is nothing before it');
    p = await page('before=1');
    assert.deepEqual([seqs(p), p.earlier], [[], false]);
    assert.ok(p.session.id === id && p.view.length > 0, 'with the session\'s view, like a forward read');
    assert.equal((await call('GET', `/api/s/${token}/events?before=-1`)).status, 400);
  });

  it('wakes a held daemon poll as soon as a prompt arrives, and redelivers until acknowledged', async () => {
    const { cred, id, token } = await setup();
    const held = Date.now();
    const { answer: polling } = await holdPoll(() => call('GET', '/api/daemon/poll?wait=20000', undefined, cred));
    const sentAt = Date.now();
    const p = await prompt(token, 'hello agent');
    assert.equal(p.status, 201, p.text);
    const answer = await polling;
    const wokeAfter = Date.now() - sentAt;
    assert.ok(Date.now() - held < 5_000, 'the poll returned well before its 20 s hold');
    assert.ok(wokeAfter < 5_000, `woken ${wokeAfter} ms after the prompt, not at the end of the 20 s hold`);
    const [ins] = PollResponse.parse(answer.json).instructions;
    assert.ok(ins);
    assert.equal(ins.id, (p.json as { id: string }).id);
    assert.equal(ins.session, id);
    assert.equal(ins.kind, 'sealed', 'the relay cannot tell a prompt from any other instruction');
    assert.equal(textOf(ins.payload), 'hello agent');
    assert.equal(ins.via, sha(token));
    // Unacknowledged: offered again; acknowledged: gone.
    assert.deepEqual((await pollNow(cred)).map((i) => i.id), [ins.id]);
    const ack = await call('POST', '/api/daemon/ack', { ids: [ins.id, 'i_unknown'] }, cred);
    assert.deepEqual(ack.json, { ok: true });
    assert.deepEqual(await pollNow(cred), []);
    // With nothing to deliver the poll is held for its wait, then answers empty.
    const t0 = Date.now();
    assert.deepEqual(await pollNow(cred, 400), []);
    assert.ok(Date.now() - t0 >= 350, 'held for the wait');
  });

  it('answers a session PUT with how far it holds the session\'s events (a daemon re-uploads past that)', async () => {
    const { cred, id, token } = await setup();
    assert.deepEqual((await put(cred, id, token)).json, { ok: true, ackedSeq: 0 });
    await upload(cred, id, [out(1, 'a'), out(2, 'b'), out(4, 'd')]);
    assert.deepEqual((await put(cred, id, token)).json, { ok: true, ackedSeq: 2 }, 'contiguous: 3 is missing');
  });

  it('delivers instructions oldest first and accepts a prompt once per idempotency key', async () => {
    const { cred, token } = await setup();
    const first = await prompt(token, 'one', 'key-00000001');
    const again = await prompt(token, 'one', 'key-00000001');
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, { id: (first.json as { id: string }).id, duplicate: true });
    assert.equal((await prompt(token, 'two', 'key-00000002')).status, 201);
    const list = await pollNow(cred);
    assert.deepEqual(list.map((i) => textOf(i.payload)), ['one', 'two']);
  });

  it('wakes a held remote events poll when events arrive, and ends it once the session is over', async () => {
    const { cred, id, token } = await setup();
    assert.equal((await upload(cred, id, [out(1, 'a')])).status, 200);
    const t0 = Date.now();
    const { answer: waiting } = await holdPoll(() => call('GET', `/api/s/${token}/events?after=1&wait=20000`));
    await upload(cred, id, [out(2, 'b')]);
    const ev = RemoteEventsResponse.parse((await waiting).json);
    assert.ok(Date.now() - t0 < 3_000);
    assert.deepEqual(ev.events.map((e) => e.seq), [2]);
    assert.equal((await put(cred, id, token, { live: false })).status, 200);
    const t1 = Date.now();
    const done = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=2&wait=20000`)).json);
    assert.ok(Date.now() - t1 < 2_000, 'no hold for a session that is over');
    assert.deepEqual([done.events, done.gap, done.more, done.session.live], [[], false, false, false]);
  });

  it('wakes a held remote events poll when the session view changes (a pending approval), with no events', async () => {
    const { cred, id, token } = await setup();
    assert.equal((await upload(cred, id, [out(1, 'a')])).status, 200);
    const t0 = Date.now();
    const { answer: waiting } = await holdPoll(() => call('GET', `/api/s/${token}/events?after=1&wait=20000`));
    assert.equal((await put(cred, id, token, { sealed: fakeView('one pending') })).status, 200);
    const ev = RemoteEventsResponse.parse((await waiting).json);
    assert.ok(Date.now() - t0 < 3_000, 'answered at the change, not after the hold');
    assert.deepEqual([ev.events, ev.gap, ev.more, ev.session.sealed], [[], false, true, fakeView('one pending')]);
  });

  it('answers at once a follower whose view changed between its polls, and holds one that is current', async () => {
    const { cred, id, token } = await setup();
    assert.equal((await upload(cred, id, [out(1, 'a')])).status, 200);
    const first = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=0`)).json);
    assert.notEqual(first.session.sealed, fakeView('one pending'));
    // The view goes up after the events that caused it: here, before the follower's next poll starts.
    assert.equal((await put(cred, id, token, { sealed: fakeView('one pending') })).status, 200);
    const t0 = Date.now();
    const next = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=1&wait=20000&view=${first.view}`)).json);
    assert.ok(Date.now() - t0 < 3_000, 'answered at once: the follower has not seen this view');
    assert.deepEqual([next.events, next.session.sealed], [[], fakeView('one pending')]);
    assert.notEqual(next.view, first.view);
    const status = RemoteStatusResponse.parse((await call('GET', `/api/s/${token}`)).json);
    assert.equal(status.view, next.view, 'the status answer carries the same fingerprint');
    // A follower with the current view is held until something happens.
    const current = call('GET', `/api/s/${token}/events?after=1&wait=1500&view=${next.view}`);
    const t1 = Date.now();
    assert.deepEqual(RemoteEventsResponse.parse((await current).json).events, []);
    assert.ok(Date.now() - t1 >= 1_000, 'held: nothing new for this follower');
  });

  it('rotates, revokes and re-issues a URL, and says why an old one fails', async () => {
    const { cred, id, token } = await setup();
    const second = newToken();
    assert.equal((await put(cred, id, second)).status, 200);
    const old = await call('GET', `/api/s/${token}`);
    assert.equal(old.status, 410);
    assert.equal(errorCode(old), 'ROTATED');
    assert.equal((await call('GET', `/api/s/${second}`)).status, 200);
    assert.equal((await prompt(token, 'via old url')).status, 410);

    assert.equal((await put(cred, id, null)).status, 200);
    const revoked = await call('GET', `/api/s/${second}/events?after=0`);
    assert.equal(revoked.status, 410);
    assert.equal(errorCode(revoked), 'REVOKED');
    const third = newToken();
    assert.equal((await put(cred, id, third)).status, 200);
    assert.equal((await call('GET', `/api/s/${third}`)).status, 200);
    assert.equal(errorCode(await call('GET', `/api/s/${second}`)), 'REVOKED');
    assert.equal(errorCode(await call('GET', `/api/s/${token}`)), 'ROTATED');
    assert.deepEqual(await pollNow(cred), [], 'nothing sent through a dead URL was stored');

    // Removing the session ends its URL too.
    assert.equal((await call('DELETE', `/api/daemon/sessions/${id}`, undefined, cred)).status, 204);
    assert.equal(errorCode(await call('GET', `/api/s/${third}`)), 'REVOKED');
  });

  it('refuses a forged token (one character changed) and stores nothing sent through it', async () => {
    const { cred, token } = await setup();
    const forged = `${token.slice(0, 10)}${token[10] === 'a' ? 'b' : 'a'}${token.slice(11)}`;
    secrets.push(forged);
    for (const path of [`/api/s/${forged}`, `/api/s/${forged}/events?after=0`, '/api/s/short']) {
      const a = await call('GET', path);
      assert.equal(a.status, 404, path);
      assert.equal(errorCode(a), 'UNKNOWN_URL');
    }
    assert.equal((await prompt(forged, 'rm -rf /')).status, 404);
    assert.deepEqual(await pollNow(cred), []);
  });

  it('a read credential opens the session for reading only (403 on steering), and is retired with its URL', async () => {
    const d = await register();
    const id = sessionId();
    const [steer, read] = [newToken(), newToken()];
    const access = (s: string, r: string) => ({ tokenHash: sha(s), readHash: sha(r), expiresAt: null });
    assert.equal((await call('PUT', `/api/daemon/sessions/${id}`, { session: view(id, { sealed: fakeView('Bash: ls waits') }), access: access(steer, read) }, d.credential)).status, 200);
    assert.equal(RemoteStatusResponse.parse((await call('GET', `/api/s/${read}`)).json).scope, 'view');
    assert.equal(RemoteStatusResponse.parse((await call('GET', `/api/s/${steer}`)).json).scope, 'control');
    assert.equal((await call('GET', `/api/s/${read}/events?after=0`)).status, 200);
    const a = await call('POST', `/api/s/${read}/instructions`, fakeSealed('hi', 'view-00001'));
    assert.equal(a.status, 403);
    assert.equal(errorCode(a), 'VIEW_ONLY');
    assert.deepEqual(await pollNow(d.credential), [], 'nothing a view credential sent was stored');
    // Another session may not claim this read hash (as a steer or a read hash), and rotation retires both.
    const other = sessionId();
    assert.equal((await call('PUT', `/api/daemon/sessions/${other}`, { session: view(other), access: { tokenHash: sha(read), readHash: null, expiresAt: null } }, d.credential)).status, 409);
    const [steer2, read2] = [newToken(), newToken()];
    assert.equal((await call('PUT', `/api/daemon/sessions/${id}`, { session: view(id), access: access(steer2, read2) }, d.credential)).status, 200);
    assert.equal(errorCode(await call('GET', `/api/s/${read}`)), 'ROTATED');
    assert.equal(errorCode(await call('GET', `/api/s/${steer}`)), 'ROTATED');
    assert.equal((await call('PUT', `/api/daemon/sessions/${other}`, { session: view(other), access: access(newToken(), read) }, d.credential)).status, 409, 'a retired read hash is never current again');
    assert.equal(RemoteStatusResponse.parse((await call('GET', `/api/s/${read2}`)).json).scope, 'view');
  });

  it('answers EXPIRED once a token is past its expiry', async () => {
    const { cred, id } = await setup();
    const gone = newToken();
    assert.equal((await put(cred, id, gone, {}, new Date(Date.now() - 1000).toISOString())).status, 200);
    assert.equal(errorCode(await call('GET', `/api/s/${gone}`)), 'EXPIRED');
    const soon = newToken();
    const expiresAt = Date.now() + 3_000;
    assert.equal((await put(cred, id, soon, {}, new Date(expiresAt).toISOString())).status, 200);
    assert.equal((await call('GET', `/api/s/${soon}`)).status, 200, 'it works until it expires');
    await waitFor(() => Date.now() > expiresAt, 'the expiry time to pass'); // the passing of time is the point
    const a = await prompt(soon, 'late', 'key-expired');
    assert.equal(a.status, 410);
    assert.equal(errorCode(a), 'EXPIRED');
  });

  it('stores an instruction as sealed as it came: no kind, text or request for the relay to read or check', async () => {
    const { cred, token } = await setup();
    // An approval answer with nothing pending is no longer the relay's to judge (it cannot read it): the daemon is.
    const body = fakeSealed('{"kind":"approve"}', 'approve-opaque1');
    assert.equal((await call('POST', `/api/s/${token}/instructions`, body)).status, 201);
    const [ins] = await pollNow(cred);
    assert.deepEqual([ins?.kind, ins?.payload], ['sealed', body]);
  });

  it('answers bad input with 400 and a message, and oversized input with 413', async () => {
    const { cred, id, token } = await setup();
    const cases: [string, string, unknown, string | undefined, number][] = [
      ['PUT', `/api/daemon/sessions/${id}`, '{not json', cred, 400],
      ['PUT', `/api/daemon/sessions/${id}`, { session: { id }, access: null }, cred, 400],
      ['PUT', `/api/daemon/sessions/${sessionId()}`, { session: view(id), access: null }, cred, 400],
      ['PUT', '/api/daemon/sessions/NOT-AN-ID', { session: view(id), access: null }, cred, 400],
      ['PUT', `/api/daemon/sessions/${id}`, { session: view(id), access: { tokenHash: token, expiresAt: null } }, cred, 400],
      ['POST', '/api/daemon/events', { sessions: [{ id, events: [{ seq: 0, at: 'x', kind: 'output', data: '' }] }] }, cred, 400],
      ['POST', '/api/daemon/events', { sessions: [{ id, events: Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, (_, i) => out(i + 1, 'x')) }] }, cred, 400],
      ['GET', '/api/daemon/poll?wait=soon', undefined, cred, 400],
      ['POST', '/api/daemon/ack', { ids: 'all' }, cred, 400],
      ['POST', '/api/daemon/register', '[1,2]', undefined, 400],
      ['POST', '/api/daemon/register', { pad: 'x'.repeat(5 * 1024) }, undefined, 413],
      ['POST', `/api/s/${token}/instructions`, { ...fakeSealed('hi', 'key-000003'), pad: 'x'.repeat(600 * 1024) }, undefined, 413],
      ['GET', `/api/s/${token}/events?after=-1`, undefined, undefined, 400],
      ['POST', `/api/s/${token}/instructions`, { ...fakeSealed('hi', 'key-000001'), proof: 'short' }, undefined, 400],
      ['POST', `/api/s/${token}/instructions`, { sealed: fakeSealed('hi', 'x').sealed, proof: 'A'.repeat(43) }, undefined, 400],
      ['POST', `/api/s/${token}/instructions`, { ...fakeSealed('hi', 'key-000002'), sealed: 'not sealed' }, undefined, 400],
      ['POST', `/api/s/${token}/prompt`, { text: 'hi', idempotencyKey: 'key-000004' }, undefined, 404],
      ['GET', '/nowhere', undefined, undefined, 404],
      ['DELETE', '/api/info', undefined, undefined, 405],
    ];
    for (const [method, path, body, c, status] of cases) {
      const a = await call(method, path, body, c);
      assert.equal(a.status, status, `${method} ${path}: ${a.text.slice(0, 200)}`);
      const e = RelayError.parse(a.json).error;
      assert.ok(e.message.length > 5, `${method} ${path} says what is wrong`);
    }
    assert.deepEqual(await pollNow(cred), [], 'nothing was stored by a refused request');
    // The relay is still fine.
    assert.equal((await call('GET', `/api/s/${token}`)).status, 200);
  });

  it('answers a body over the limit with 413 that reaches the client (content-length and chunked)', async () => {
    const { port } = new URL(relay.url);
    const exchange = (head: string, chunked: boolean) =>
      new Promise<string>((resolve, reject) => {
        const sock = connect(Number(port), '127.0.0.1');
        const got: Buffer[] = [];
        const timer = setTimeout(() => { sock.destroy(); reject(new Error('no answer')); }, 10_000);
        sock.on('data', (c: Buffer) => got.push(c));
        sock.on('error', () => {});
        sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(got).toString('latin1')); });
        sock.write(head);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (!sock.destroyed && sent <= MAX_RELAY_BODY_BYTES) {
            sent += chunk.length;
            const ok = sock.write(chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
            if (!ok) return void sock.once('drain', pump);
          }
          if (!sock.destroyed) sock.end(chunked ? '0\r\n\r\n' : '');
        };
        pump();
      });
    const length = MAX_RELAY_BODY_BYTES + 64 * 1024;
    for (const [head, chunked] of [
      [`POST /api/daemon/register HTTP/1.1\r\nhost: relay\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`, false],
      ['POST /api/daemon/register HTTP/1.1\r\nhost: relay\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n', true],
    ] as const) {
      const raw = await exchange(head, chunked);
      assert.match(raw, /^HTTP\/1\.1 413 /, raw.slice(0, 200));
      assert.match(raw, /"code":"TOO_LARGE"/);
    }
  });

  it('serves a self-contained session page that holds nothing of the session (the key is in its fragment)', async () => {
    const { cred, id, token } = await setup({ sealed: fakeView('secret-session-name') });
    await upload(cred, id, [out(1, 'secret output line\n')]);
    const a = await call('GET', `/s/${id}`);
    assert.equal(a.status, 200);
    assert.match(a.headers.get('content-type') ?? '', /text\/html/);
    const csp = a.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.equal(a.headers.get('referrer-policy'), 'no-referrer');
    const html = a.text;
    for (const secret of ['secret-session-name', 'secret output line', token]) assert.ok(!html.includes(secret), `the page does not carry ${secret}`);
    assert.equal((await call('GET', '/s/0123456789abcdef')).status, 200, 'the same shell for any session id: it tells nothing');
    // A URL of the older form (a token in the path, no key) says it no longer works; anything else is unknown.
    const old = await call('GET', `/s/${token}`);
    assert.equal(old.status, 410);
    assert.match(old.text, /older rcd/);
    assert.equal((await call('GET', '/s/not-a-session')).status, 404);
    // Self-contained: no external scripts, styles, images, frames, fonts or imports in the page's markup and style
    // (the script's text is not markup: marked's unused HTML renderer, bundled with its lexer, holds `<img src=`).
    // The one link is the web app's manifest, on the relay itself (CSP manifest-src 'self').
    assert.ok(html.includes('<link rel="manifest" href="/manifest.webmanifest">'));
    const markup = html.replace(/(<script nonce="[^"]+">)[\s\S]*?<\/script>/, '$1</script>').replace('<link rel="manifest" href="/manifest.webmanifest">', '');
    assert.doesNotMatch(markup, /<(script|img|iframe|link|object|embed)[^>]*\s(src|href|data)=/i);
    assert.doesNotMatch(markup, /@import|\burl\(|https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//);
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'one inline script');
    // That script is src/web as `npm run build` bundled it, allowed by this response's nonce and nothing looser.
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1] ?? '';
    assert.ok(nonce.length >= 16 && csp.includes(`script-src 'nonce-${nonce}'`), csp);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const bundle = readFileSync(new URL('../../src/web/session.js', import.meta.url), 'utf8').trim();
    assert.ok(html.includes(`<script nonce="${nonce}">${bundle}</script>`), 'the built bundle, inlined whole');
    assert.doesNotMatch(bundle, /sourceMappingURL/);
    // Nothing in the script turns a string into markup or code: agent text can only ever become text nodes
    // (src/web/dom.ts), and marked's HTML renderer, never called, could not reach the page if it were.
    assert.doesNotMatch(bundle, /innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|DOMParser|srcdoc|document\.write|\beval\(|new Function/);
    assert.match(html, /\/instructions["']/, 'the prompt box posts sealed instructions');
    // Gzipped for a client that accepts it (the page carries a Markdown parser), as it is for one that does not.
    const raw = async (headers: Record<string, string>) => {
      const r = await request(`${relay.url}/s/${id}`, { headers });
      return { encoding: r.headers['content-encoding'], body: Buffer.from(await r.body.arrayBuffer()) };
    };
    const zipped = await raw({ 'accept-encoding': 'gzip, deflate, br' });
    const plain = await raw({});
    assert.equal(zipped.encoding, 'gzip');
    assert.equal(plain.encoding, undefined);
    assert.ok(zipped.body.length < plain.body.length / 2, `${zipped.body.length} of ${plain.body.length} bytes`);
    const unzipped = gunzipSync(zipped.body).toString();
    assert.equal(unzipped.replace(/nonce-?="?[A-Za-z0-9+/=]+/g, ''), plain.body.toString().replace(/nonce-?="?[A-Za-z0-9+/=]+/g, ''));
  });

  it('serves the web app: the device page\'s own shell, the manifest, icons and service worker, with a CSP that allows only those', async () => {
    const device = await call('GET', '/d/0123456789abcdef');
    assert.equal(device.status, 200);
    assert.match(device.text, /id="start-form"/, 'the device page has the start form');
    assert.doesNotMatch((await call('GET', '/d/0123456789abcdef/s/0123456789abcdef')).text, /id="start-form"/, 'a session page has not');
    const csp = device.headers.get('content-security-policy') ?? '';
    assert.match(csp, /manifest-src 'self'/);
    assert.match(csp, /worker-src 'self'/);
    assert.match(csp, /img-src 'none'/);
    const manifest = await call('GET', '/manifest.webmanifest');
    assert.equal(manifest.headers.get('content-type'), 'application/manifest+json');
    const m = JSON.parse(manifest.text) as { name: string; short_name: string; start_url: string; scope: string; display: string; icons: { src: string; sizes: string }[] };
    assert.deepEqual([m.short_name, m.start_url, m.scope, m.display], ['rcd', '/', '/', 'standalone']);
    for (const icon of m.icons) {
      const r = await request(`${relay.url}${icon.src}`);
      const body = Buffer.from(await r.body.arrayBuffer());
      assert.equal(r.statusCode, 200, icon.src);
      if (icon.src.endsWith('.png')) {
        assert.equal(body.subarray(1, 4).toString(), 'PNG');
        const [w, h] = icon.sizes.split('x').map(Number);
        assert.deepEqual([body.readUInt32BE(16), body.readUInt32BE(20)], [w, h], `${icon.src} is ${icon.sizes}`);
      } else {
        assert.match(body.toString(), /^<svg /);
        assert.match(String(r.headers['content-security-policy']), /default-src 'none'/, 'an SVG opened on its own runs nothing');
      }
    }
    const sw = await call('GET', '/sw.js');
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    assert.match(sw.text, /showNotification/);
    assert.doesNotMatch(sw.text, /\/api\//, 'the worker names no API path: it caches none');
    assert.equal((await call('POST', '/sw.js')).status, 405);
  });

  it('prunes the oldest events beyond --keep-events and tells clients of the gap', async () => {
    const small = await startRelay({ ...(await storeUnderTest()), host: '127.0.0.1', port: 0, data: join(dir, 'small'), keepEvents: 5, logLevel: 'trace' });
    try {
      const base = relay;
      relay = small;
      try {
        const { cred, id, token } = await setup();
        const a = await upload(cred, id, Array.from({ length: 12 }, (_, i) => out(i + 1, `e${i + 1}`)));
        assert.deepEqual((a.json as { acked: Record<string, number> }).acked, { [id]: 12 });
        const s = RemoteStatusResponse.parse((await call('GET', `/api/s/${token}`)).json);
        assert.deepEqual([s.firstSeq, s.lastSeq], [8, 12]);
        const ev = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=0`)).json);
        assert.equal(ev.gap, true);
        assert.deepEqual(ev.events.map((e) => e.seq), [8, 9, 10, 11, 12]);
        assert.equal(RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=9`)).json).gap, false);
        const back = RemoteEarlierEventsResponse.parse((await call('GET', `/api/s/${token}/events?before=10&limit=5`)).json);
        assert.deepEqual([back.events.map((e) => e.seq), back.earlier, back.gap], [[8, 9], false, true], 'read backwards, the gap is at the start');
        // A late repeat of a pruned event is not stored again.
        assert.deepEqual((await upload(cred, id, [out(1, 'e1')])).json, { acked: { [id]: 12 } });
      } finally {
        relay = base;
      }
    } finally {
      await small.close();
    }
  });

  it('caps concurrent long-polls with 503 and frees a slot when a client hangs up', async () => {
    const tiny = await startRelay({ ...(await storeUnderTest()), host: '127.0.0.1', port: 0, data: join(dir, 'tiny'), maxLongPolls: 1, logLevel: 'trace' });
    const base = relay;
    relay = tiny;
    try {
      const { cred, token } = await setup();
      const ac = new AbortController();
      const { answer: first } = await holdPoll(() => call('GET', '/api/daemon/poll?wait=20000', undefined, cred, ac.signal).catch(() => null));
      const busy = await call('GET', `/api/s/${token}/events?after=0&wait=20000`);
      assert.equal(busy.status, 503);
      assert.equal(errorCode(busy), 'BUSY');
      ac.abort();
      await first;
      await waitFor(async () => (await heldPolls()) === 0, 'the relay to free the slot');
      const t0 = Date.now();
      const ok = await call('GET', `/api/s/${token}/events?after=0&wait=300`);
      assert.equal(ok.status, 200, 'the slot was freed');
      assert.ok(Date.now() - t0 >= 250);
    } finally {
      relay = base;
      await tiny.close();
    }
  });

  it('keeps a share of long-polls free of followers for the daemons, and caps the followers of one URL', async () => {
    // Daemons count as established at once here: what is tested is the followers' share (fresh daemons: relay-limits).
    const ten = await startRelay({ ...(await storeUnderTest()), host: '127.0.0.1', port: 0, data: join(dir, 'ten'), maxLongPolls: 10, establishedAfterMs: 0, logLevel: 'trace' });
    const base = relay;
    relay = ten;
    const ac = new AbortController();
    const answers: Promise<unknown>[] = [];
    const follow = (token: string) => call('GET', `/api/s/${token}/events?after=0&wait=20000`, undefined, undefined, ac.signal).catch(() => null);
    try {
      const a = await setup();
      const b = await setup();
      // Nine followers fill the followers' share of this relay's ten slots.
      for (let i = 0; i < 9; i++) answers.push((await holdPoll(() => follow(a.token))).answer);
      const refused = await call('GET', `/api/s/${b.token}/events?after=0&wait=20000`);
      assert.deepEqual([refused.status, errorCode(refused)], [503, 'BUSY']);
      assert.equal(refused.headers.get('retry-after'), '2');
      // The slot kept free is a daemon's to take.
      answers.push((await holdPoll(() => call('GET', '/api/daemon/poll?wait=20000', undefined, b.cred, ac.signal).catch(() => null))).answer);
    } finally {
      ac.abort();
      await Promise.all(answers);
      relay = base;
      await ten.close();
    }
    // On the big relay: one URL gets 32 held followers, the 33rd is refused, another URL is not affected.
    const one = await setup();
    const other = await setup();
    const many = new AbortController();
    const held: Promise<unknown>[] = [];
    try {
      const before = await heldPolls();
      for (let i = 0; i < 32; i++) held.push(call('GET', `/api/s/${one.token}/events?after=0&wait=20000`, undefined, undefined, many.signal).catch(() => null));
      await waitFor(async () => (await heldPolls()) === before + 32, 'the relay to hold 32 followers');
      const extra = await call('GET', `/api/s/${one.token}/events?after=0&wait=20000`);
      assert.deepEqual([extra.status, errorCode(extra)], [503, 'BUSY']);
      assert.match(extra.text, /this session has 32 long-polls held already/);
      held.push((await holdPoll(() => call('GET', `/api/s/${other.token}/events?after=0&wait=20000`, undefined, undefined, many.signal).catch(() => null))).answer);
    } finally {
      many.abort();
      await Promise.all(held);
    }
  });

  it('keeps events, unacknowledged instructions, credentials and URLs across a restart, and ends held polls on close', async () => {
    const { cred, id, token } = await setup();
    await upload(cred, id, [out(1, 'before restart\n'), out(2, 'still here\n')]);
    const p = await prompt(token, 'survives', 'key-restart1');
    assert.equal(p.status, 201);
    // A poll held at close time is answered, and close does not wait for its hold.
    const other = await setup();
    const { answer: closing } = await holdPoll(() => call('GET', '/api/daemon/poll?wait=20000', undefined, other.cred));
    const t0 = Date.now();
    await relay.close();
    const answered = await closing;
    assert.ok(Date.now() - t0 < 3_000, `close took ${Date.now() - t0} ms`);
    assert.equal(answered.status, 200, 'the held poll was answered, not cut off');
    assert.deepEqual(PollResponse.parse(answered.json).instructions, []);

    relay = await startRelay({ ...store, host: '127.0.0.1', port: 0, data: dir, logLevel: 'trace', ...manyDaemons });
    const ev = RemoteEventsResponse.parse((await call('GET', `/api/s/${token}/events?after=0`)).json);
    assert.deepEqual(ev.events.map((e) => Buffer.from(e.data, 'base64').toString()), ['before restart\n', 'still here\n']);
    const list = await pollNow(cred);
    assert.deepEqual(list.map((i) => i.id), [(p.json as { id: string }).id]);
    assert.equal((await prompt(token, 'survives', 'key-restart1')).status, 200, 'the idempotency key outlives the restart');
    assert.deepEqual((await upload(cred, id, [out(3, 'after')])).json, { acked: { [id]: 3 } });
  });

  it('never writes a token or a credential to its log', async () => {
    // Exercise the noisiest paths once more at trace level, with secrets in paths, bodies and headers.
    const { cred, token } = await setup();
    await call('GET', `/s/${token}`);
    await call('GET', `/api/s/${token}/nowhere`);
    await call('GET', `/api/s/${token}/events?after=0&token=${token}`);
    await call('PUT', `/api/daemon/sessions/${cred}`, { credential: cred }, cred);
    await call('GET', `/api/daemon/poll?wait=0&credential=${cred}`, undefined, cred);
    await relay.close();
    const logs = ['relay.log', 'small/relay.log', 'tiny/relay.log', 'ten/relay.log'].map((f) => readFileSync(join(dir, f), 'utf8'));
    const all = logs.join('\n');
    assert.match(all, /"path":"\/api\/s\/\[token\]\/events"/, 'request paths are logged, with the token replaced');
    assert.ok(secrets.length > 20);
    for (const secret of secrets) {
      assert.ok(!all.includes(secret), `the log holds a secret (${secret.slice(0, 4)}…)`);
      assert.ok(!all.includes(sha(secret)), 'nor its hash');
    }
    assert.doesNotMatch(all, /authorization|bearer/i);
    relay = await startRelay({ ...(await storeUnderTest()), host: '127.0.0.1', port: 0, data: dir, ...manyDaemons }); // for `after` to close
  });
});

// The relay under abuse of its open registration, in-process on 127.0.0.1 and driven over HTTP: a registration
// flood from one address gets 429 (another address does not) while a registered daemon still polls and uploads;
// fresh daemons cannot take the long-polls kept for established ones; oversized and hostile bodies are refused
// quickly without stalling other clients; events, sessions per daemon, daemons and waiting instructions are bounded.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { PollResponse, RegisterResponse } from '../../src/protocol/relay.js';
import { startRelay, type RelayOptionsInput } from '../../src/relay/main.js';
import { storeUnderTest } from '../helpers/relay-store.js';
import { waitFor } from '../helpers/harness.js';
import { RelayClient, errorCode, newSessionId, newToken, outputEvent, sha, textOf, type Answer } from '../helpers/relay-client.js';

/** A relay with these options for `fn`, closed and its data removed afterwards whatever happened. */
async function withRelay(opts: RelayOptionsInput, fn: (c: RelayClient) => Promise<void>): Promise<void> {
  const dir = mkdtempSync('/tmp/rcd-limits-');
  const relay = await startRelay({ ...(await storeUnderTest()), host: '127.0.0.1', port: 0, data: dir, logLevel: 'warn', ...opts });
  try {
    await fn(new RelayClient(relay.url));
  } finally {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A daemon with one session reachable through a fresh token. */
async function linked(c: RelayClient): Promise<{ cred: string; id: string; token: string }> {
  const { credential } = await c.register();
  const id = newSessionId();
  const token = newToken();
  assert.equal((await c.putSession(credential, id, sha(token))).status, 200);
  return { cred: credential, id, token };
}

/** Runs `flood` while timing GET /api/info back to back; returns the flood's answers and the slowest info answer. */
async function timed<T>(c: RelayClient, flood: () => Promise<T>): Promise<{ result: T; worstMs: number }> {
  let worstMs = 0;
  let done = false;
  const pinger = (async () => {
    while (!done) {
      const t0 = performance.now();
      assert.equal((await c.call('GET', '/api/info')).status, 200);
      worstMs = Math.max(worstMs, performance.now() - t0);
    }
  })();
  try {
    return { result: await flood(), worstMs };
  } finally {
    done = true;
    await pinger;
  }
}

// What another client may wait for an answer while the relay deals with hostile bodies. Parsing them stalled it
// for 1-4 s before the guard; a healthy relay answers in milliseconds, this leaves room for a loaded machine.
const STALL_LIMIT_MS = 1_000;

describe('relay limits', () => {
  it('refuses a daemon over its upload rate with 429 and the exact wait (retry-after-ms), after which it uploads again', async () => {
    await withRelay({ uploadsPerSecond: 5 }, async (c) => {
      const d = await linked(c);
      let refused: Awaited<ReturnType<typeof c.upload>> | null = null;
      for (let seq = 1; seq <= 20 && !refused; seq++) {
        const r = await c.upload(d.cred, d.id, [outputEvent(seq, `line ${seq}\n`)]);
        if (r.status === 429) refused = r;
      }
      assert.ok(refused, 'the burst (5) is spent within 20 back-to-back uploads');
      assert.equal(errorCode(refused), 'RATE_LIMITED');
      assert.equal(refused.headers.get('retry-after'), '1', 'Retry-After in whole seconds, for any client');
      const ms = Number(refused.headers.get('retry-after-ms'));
      assert.ok(ms >= 1 && ms <= 200, `retry-after-ms is the token's real wait at 5 a second (${ms})`);
      await new Promise((r) => setTimeout(r, ms));
      assert.equal((await c.upload(d.cred, d.id, [outputEvent(99, 'after the wait\n')])).status, 200, 'taken once the wait is over');
    });
  });

  it('answers a registration flood from one address with 429 while a registered daemon polls and uploads; another address still registers', async () => {
    await withRelay({ registerBurst: 5, registerPerHour: 60 }, async (c) => {
      const a = await linked(c);
      const { answer: polling } = await c.hold(() => c.call('GET', '/api/daemon/poll?wait=20000', undefined, a.cred));
      const flood = await Promise.all(Array.from({ length: 40 }, () => c.call('POST', '/api/daemon/register', {})));
      const refused = flood.filter((r) => r.status === 429);
      assert.equal(flood.filter((r) => r.status === 200).length, 4, 'the rest of the burst of 5 (one went to the daemon)');
      assert.equal(refused.length, 36);
      for (const r of refused) {
        assert.equal(errorCode(r), 'RATE_LIMITED');
        const wait = Number(r.headers.get('retry-after'));
        assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait} s: one registration a minute comes back`);
      }
      // The linked daemon is not affected: its upload is stored and a prompt reaches its held poll.
      assert.deepEqual((await c.upload(a.cred, a.id, [outputEvent(1, 'still here\n')])).json, { acked: { [a.id]: 1 } });
      assert.equal((await c.prompt(a.token, 'still steerable')).status, 201);
      const [ins] = PollResponse.parse((await polling).json).instructions;
      assert.equal(textOf(ins?.payload ?? {}), 'still steerable');
      // Another address (127.0.0.2 is this machine too) has its own allowance.
      const other = new Agent({ localAddress: '127.0.0.2' });
      try {
        const res = await request(`${c.url}/api/daemon/register`, { method: 'POST', body: '{}', dispatcher: other });
        assert.equal(res.statusCode, 200);
        RegisterResponse.parse(await res.body.json());
      } finally {
        await other.close();
      }
    });
  });

  it('keeps half of the long-polls for established daemons: fresh ones get 503 beyond their half', async () => {
    await withRelay({ maxLongPolls: 8, establishedAfterMs: 1_000, registerBurst: 100 }, async (c) => {
      const old = await linked(c);
      const registered = Date.now();
      await waitFor(() => Date.now() - registered > 1_200, 'the first daemon to be a second old'); // age is the point
      const ac = new AbortController();
      const held: Promise<unknown>[] = [];
      const poll = (cred: string) => c.call('GET', '/api/daemon/poll?wait=20000', undefined, cred, ac.signal).catch(() => null);
      try {
        // A flood of new daemons takes half of the 8 slots...
        for (let i = 0; i < 4; i++) {
          const fresh = await c.register();
          held.push((await c.hold(() => poll(fresh.credential))).answer);
        }
        const late = await c.register();
        const refused = await c.call('GET', '/api/daemon/poll?wait=20000', undefined, late.credential);
        assert.deepEqual([refused.status, errorCode(refused)], [503, 'BUSY'], refused.text);
        assert.match(refused.text, /registered in the last hour may take only half/);
        assert.ok(Number(refused.headers.get('retry-after')) > 0);
        // ...and the established daemon still polls, and is woken by a prompt.
        const { answer } = await c.hold(() => c.call('GET', '/api/daemon/poll?wait=20000', undefined, old.cred));
        assert.equal((await c.prompt(old.token, 'for the old daemon')).status, 201);
        assert.equal(textOf(PollResponse.parse((await answer).json).instructions[0]?.payload ?? {}), 'for the old daemon');
      } finally {
        ac.abort();
        await Promise.all(held);
      }
    });
  });

  it('answers bodies over an endpoint\'s limit with 413 and hostile JSON with 400, without stalling other clients', async () => {
    await withRelay({ registerBurst: 100 }, async (c) => {
      const d = await linked(c);
      const nested = (bytes: number) => '['.repeat(bytes / 2) + ']'.repeat(bytes / 2);
      const eight = (method: string, path: string, body: string) =>
        Promise.all(Array.from({ length: 8 }, () => c.call(method, path, body, d.cred)));
      const expect = (answers: Answer[], status: number, code: string, what: string) => {
        for (const a of answers) assert.deepEqual([a.status, errorCode(a)], [status, code], `${what}: ${a.text.slice(0, 200)}`);
      };

      // Eight 4 MiB bodies (the old limit) to a session update: over its 2 MiB, refused as soon as that is clear.
      const big = await timed(c, () => eight('PUT', `/api/daemon/sessions/${d.id}`, nested(4 * 1024 * 1024)));
      expect(big.result, 413, 'TOO_LARGE', '4 MiB session update');
      assert.ok(big.worstMs < STALL_LIMIT_MS, `another client waited ${Math.round(big.worstMs)} ms`);
      // Eight bodies just under each endpoint's limit, nested as deep as they go: refused before parsing.
      for (const [path, method, limit] of [[`/api/daemon/sessions/${d.id}`, 'PUT', 2 * 1024 * 1024], ['/api/daemon/events', 'POST', 1024 * 1024]] as const) {
        const deep = await timed(c, () => eight(method, path, nested(limit - 1024)));
        expect(deep.result, 400, 'BAD_REQUEST', `nested ${method} ${path}`);
        assert.match(deep.result[0]?.text ?? '', /nested deeper than 16 levels/);
        assert.ok(deep.worstMs < STALL_LIMIT_MS, `${method} ${path}: another client waited ${Math.round(deep.worstMs)} ms`);
      }
      const many = await timed(c, () => eight('POST', '/api/daemon/events', JSON.stringify({ sessions: [{ id: d.id, events: Array(200_000).fill(1) }] })));
      expect(many.result, 400, 'BAD_REQUEST', 'an upload of 200,000 values');
      assert.ok(many.worstMs < STALL_LIMIT_MS, `another client waited ${Math.round(many.worstMs)} ms`);
      // The daemon carries on.
      assert.deepEqual((await c.upload(d.cred, d.id, [outputEvent(1, 'after the storm\n')])).json, { acked: { [d.id]: 1 } });
      assert.equal((await c.call('GET', `/api/s/${d.token}`)).status, 200);
    });
  });

  it('bounds event size, sessions per daemon, daemons in all and instructions waiting per session URL', async () => {
    await withRelay({ maxEventBytes: 2048, maxSessionsPerDaemon: 2, maxPendingPerUrl: 3, maxDaemons: 3 }, async (c) => {
      const d = await linked(c);
      // An event over --max-event-bytes: 413 naming it, and nothing of its batch is stored.
      const tooBig = await c.upload(d.cred, d.id, [outputEvent(1, 'a\n'), { ...outputEvent(2, ''), data: 'A'.repeat(2049) }]);
      assert.deepEqual([tooBig.status, errorCode(tooBig)], [413, 'TOO_LARGE']);
      assert.match(tooBig.text, /event 2 .* 2049 characters .* at most 2048/);
      assert.deepEqual((await c.upload(d.cred, d.id, [])).json, { acked: { [d.id]: 0 } }, 'nothing stored');
      assert.equal((await c.upload(d.cred, d.id, [{ ...outputEvent(1, ''), data: 'A'.repeat(2048) }])).status, 200, 'at the limit');

      // A second session fits, a third does not; updates of the ones there go on, and a removal frees a place.
      const second = newSessionId();
      assert.equal((await c.putSession(d.cred, second, null)).status, 200);
      const third = await c.putSession(d.cred, newSessionId(), null);
      assert.deepEqual([third.status, errorCode(third)], [429, 'LIMIT']);
      assert.match(third.text, /2 sessions on the relay/);
      assert.equal((await c.putSession(d.cred, second, null, { live: false })).status, 200);
      assert.equal((await c.call('DELETE', `/api/daemon/sessions/${second}`, undefined, d.cred)).status, 204);
      assert.equal((await c.putSession(d.cred, newSessionId(), null)).status, 200);

      // Three instructions wait for the daemon; the fourth is refused until it takes them. A retry is still a retry.
      const keys = ['pending-0001', 'pending-0002', 'pending-0003'];
      for (const k of keys) assert.equal((await c.prompt(d.token, k, k)).status, 201);
      const full = await c.prompt(d.token, 'one more', 'pending-0004');
      assert.deepEqual([full.status, errorCode(full)], [429, 'LIMIT']);
      assert.equal(full.headers.get('retry-after'), '10');
      assert.equal((await c.prompt(d.token, keys[0] as string, keys[0])).status, 200, 'a retried send is a duplicate, not refused');
      const pending = PollResponse.parse((await c.call('GET', '/api/daemon/poll?wait=0', undefined, d.cred)).json).instructions;
      assert.equal(pending.length, 3);
      assert.equal((await c.call('POST', '/api/daemon/ack', { ids: pending.map((i) => i.id) }, d.cred)).status, 200);
      assert.equal((await c.prompt(d.token, 'one more', 'pending-0004')).status, 201, 'room again once the daemon took them');

      // Daemons in all: this is the third; the fourth is refused, for long.
      await c.register();
      await c.register();
      const fourth = await c.call('POST', '/api/daemon/register', {});
      assert.deepEqual([fourth.status, errorCode(fourth)], [429, 'LIMIT']);
      assert.equal(fourth.headers.get('retry-after'), '3600');
    });
  });
});

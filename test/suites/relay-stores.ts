// The relay store's contract, run against both implementations: the embedded SQLite store
// (test/unit/relay-stores-sqlite.test.ts) and the shared PostgreSQL one (test-postgres/relay-stores.test.ts). Only the
// interfaces of src/relay/stores.ts are used, so what passes here holds for either: URLs (only hashes at rest, a
// retired hash never current again, conflicts, expiry), device URLs, events (idempotent, contiguous ack, exactly
// what was sent, every part or nothing, retention by count, bytes and age) and instructions (idempotency keys,
// acknowledgement, sweeping, results of instructions to a daemon itself).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RelayEvent } from '../../src/protocol/relay.js';
import { SessionGone, sha256hex, type RelayStores, type Retention } from '../../src/relay/stores.js';
import { sessionView } from '../helpers/relay-client.js';

export interface StoreUnderTest {
  stores: RelayStores;
  /** Everything stored, as text (to check that no secret is there). */
  dump(): Promise<string>;
  close(): Promise<void>;
}

export type OpenStore = (keep: Retention) => Promise<StoreUnderTest>;

const DAY = 86_400_000;
const lots: Retention = { events: 1_000_000, bytes: 1 << 30, ageMs: 365 * DAY };
const sealed = () => `1.${randomBytes(12).toString('base64url')}.${randomBytes(40 + Math.floor(Math.random() * 40)).toString('base64url')}`;
const ev = (seq: number, at = new Date().toISOString(), data = sealed()): RelayEvent => ({ seq, at, kind: 'sealed', data });
const access = (steer: string, read: string | null = null, expiresAt: string | null = null) =>
  ({ tokenHash: sha256hex(steer), readHash: read && sha256hex(read), expiresAt, envelope: 'env' });
const [S1, S2, S3] = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc'];
const via = 'a'.repeat(64);

export function relayStoreContract(name: string, open: OpenStore): void {
  describe(`relay store contract: ${name}`, () => {
    let t: StoreUnderTest;
    let s: RelayStores;
    let d1: string;
    let d2: string;
    const use = async (keep: Retention) => {
      await t.close();
      t = await open(keep);
      s = t.stores;
      [d1, d2] = await daemons();
    };
    const daemons = async (): Promise<[string, string]> => {
      const ids = [];
      for (let i = 0; i < 2; i++) {
        const r = await s.sessions.registerDaemon(100);
        assert.ok(r !== 'full');
        ids.push(r.daemonId);
      }
      return ids as [string, string];
    };
    const session = async (daemon: string, id: string, steer: string | null = null) =>
      assert.equal(await s.sessions.put(daemon, sessionView(id), steer ? access(steer) : null, 100), 'ok');

    beforeEach(async () => {
      t = await open(lots);
      s = t.stores;
      [d1, d2] = await daemons();
    });
    afterEach(async () => t.close());

    describe('daemons and session URLs', () => {
      it('registers daemons up to the cap and knows them by credential only; stores hashes, never the secrets', async () => {
        const r = await s.sessions.registerDaemon(3);
        assert.ok(r !== 'full');
        assert.equal(await s.sessions.registerDaemon(3), 'full');
        assert.equal((await s.sessions.authenticate(r.credential))?.id, r.daemonId);
        assert.equal(await s.sessions.authenticate('not-a-credential'), null);
        assert.equal(await s.sessions.put(r.daemonId, sessionView(S1), access('steer-secret-1', 'read-secret-1'), 10), 'ok');
        const all = await t.dump();
        for (const secret of [r.credential, 'steer-secret-1', 'read-secret-1']) assert.ok(!all.includes(secret), 'no secret at rest');
        assert.ok(all.includes(sha256hex('steer-secret-1')));
      });

      it('opens a session by either credential with its scope; rotation and revocation retire hashes for good', async () => {
        assert.equal(await s.sessions.put(d1, sessionView(S1), access('steer-1', 'read-1'), 10), 'ok');
        const opened = await s.sessions.byToken('steer-1');
        assert.ok(typeof opened === 'object');
        assert.equal(opened.scope, 'control');
        assert.equal(opened.envelope, 'env');
        assert.equal(((await s.sessions.byToken('read-1')) as { scope: string }).scope, 'view');
        assert.equal(await s.sessions.byToken('nobody'), 'UNKNOWN_URL');
        // Rotate: the old ones answer ROTATED, at once.
        assert.equal(await s.sessions.put(d1, sessionView(S1), access('steer-2'), 10), 'ok');
        assert.equal(await s.sessions.byToken('steer-1'), 'ROTATED');
        assert.equal(await s.sessions.byToken('read-1'), 'ROTATED');
        // A retired hash is never current again, for this session or another daemon's.
        assert.equal(await s.sessions.put(d1, sessionView(S1), access('steer-1'), 10), 'retired');
        assert.equal(await s.sessions.put(d2, sessionView(S2), access('steer-1'), 10), 'retired');
        // Nobody else may take a current hash, nor the session id.
        assert.equal(await s.sessions.put(d2, sessionView(S2), access('steer-2'), 10), 'conflict');
        assert.equal(await s.sessions.put(d2, sessionView(S1), access('steer-3'), 10), 'conflict');
        // Revoke.
        assert.equal(await s.sessions.put(d1, sessionView(S1), null, 10), 'ok');
        assert.equal(await s.sessions.byToken('steer-2'), 'REVOKED');
      });

      it('expires, counts sessions per daemon, lists them, and forgets a removed one (its URL then REVOKED)', async () => {
        const soon = new Date(Date.now() + 60_000).toISOString();
        assert.equal(await s.sessions.put(d1, sessionView(S1), access('steer-e', null, soon), 2), 'ok');
        assert.equal(typeof (await s.sessions.byToken('steer-e')), 'object');
        assert.equal(await s.sessions.byToken('steer-e', Date.now() + 61_000), 'EXPIRED');
        await session(d1, S2);
        assert.equal(await s.sessions.put(d1, sessionView(S3), null, 2), 'full');
        assert.equal(await s.sessions.put(d1, sessionView(S2, { live: false }), null, 2), 'ok', 'an update is not a new session');
        assert.deepEqual((await s.sessions.ofDaemon(d1)).map((r) => [r.id, r.view.live]), [[S1, true], [S2, false]]);
        assert.equal(await s.sessions.ownerOf(S1), d1);
        assert.equal(await s.sessions.remove(d2, S1), 'not-found', 'only its daemon removes it');
        assert.equal(await s.sessions.remove(d1, S1), 'ok');
        assert.equal(await s.sessions.get(S1), null);
        assert.equal(await s.sessions.ownerOf(S1), null);
        assert.equal(await s.sessions.byToken('steer-e'), 'REVOKED');
        const c = await s.sessions.counts();
        assert.deepEqual([c.daemons, c.sessions, c.pending], [2, 1, 0]);
      });
    });

    describe('device URLs', () => {
      it('opens its daemon with the scope of the credential, and expires', async () => {
        assert.equal(await s.devices.put(d1, access('dev-steer', 'dev-read')), 'ok');
        assert.deepEqual(await s.devices.open('dev-steer'), { daemonId: d1, scope: 'control', tokenHash: sha256hex('dev-steer') });
        assert.deepEqual(await s.devices.open('dev-read'), { daemonId: d1, scope: 'view', tokenHash: sha256hex('dev-steer') });
        assert.equal(await s.devices.open('unknown-credential'), 'UNKNOWN_URL');
        assert.equal(await s.devices.holds(sha256hex('dev-read')), true);
        assert.ok(!(await t.dump()).includes('dev-steer'));
        const soon = new Date(Date.now() + 60_000).toISOString();
        assert.equal(await s.devices.put(d1, access('dev-steer', 'dev-read', soon)), 'ok');
        assert.equal(await s.devices.open('dev-steer', Date.now() + 61_000), 'EXPIRED');
      });

      it('a rotated or revoked hash is retired for good: not current again, for this daemon or another, device or session', async () => {
        assert.equal(await s.devices.put(d1, access('dev-1', 'dev-read-1')), 'ok');
        assert.equal(await s.devices.put(d1, access('dev-2')), 'ok');
        assert.equal(await s.devices.open('dev-1'), 'ROTATED');
        assert.equal(await s.devices.open('dev-read-1'), 'ROTATED');
        assert.equal(await s.devices.put(d2, access('dev-1')), 'retired');
        assert.equal(await s.devices.put(d1, access('dev-1')), 'retired');
        assert.equal(await s.devices.put(d2, access('dev-2')), 'conflict', 'a hash another daemon holds');
        assert.equal(await s.sessions.put(d2, sessionView(S1), access('dev-2'), 10), 'conflict', 'nor may a session take it');
        await session(d2, S2, 'session-steer');
        assert.equal(await s.devices.put(d1, access('session-steer')), 'conflict', 'nor a device a session\'s');
        assert.equal(await s.devices.put(d1, null), 'ok');
        assert.equal(await s.devices.open('dev-2'), 'REVOKED');
      });
    });

    describe('events', () => {
      beforeEach(async () => {
        for (const id of [S1, S2, S3]) await session(d1, id);
      });

      it('concurrent uploads are all acknowledged and stored in order, byte for byte; a repeat is stored once', async () => {
        const sent = new Map<string, RelayEvent[]>([[S1, []], [S2, []], [S3, []]]);
        const uploads: Promise<unknown>[] = [];
        for (let i = 0; i < 20; i++) {
          for (const id of [S1, S2, S3]) {
            const events = Array.from({ length: 5 }, (_, k) => ev(i * 5 + k + 1));
            (sent.get(id) as RelayEvent[]).push(...events);
            uploads.push(s.events.append([{ sessionId: id, events }]));
          }
        }
        await Promise.all(uploads);
        for (const id of [S1, S2, S3]) {
          const read = await s.events.read(id, 0);
          assert.deepEqual(read.events, sent.get(id), `${id}: every event, in order, byte for byte`);
          assert.equal(read.gap, false);
        }
        // The same events again (a retried upload): acknowledged, not stored twice.
        const again = await s.events.append([{ sessionId: S1, events: (sent.get(S1) as RelayEvent[]).slice(0, 5) }]);
        assert.deepEqual(again, [{ acked: 100, advanced: false }]);
        assert.equal((await s.sessions.get(S1))?.eventCount, 100);
        assert.deepEqual(await s.events.bounds(S1), { firstSeq: 1, lastSeq: 100 });
      });

      it('acknowledges only the contiguous prefix; events past a hole are not served until it fills', async () => {
        assert.deepEqual(await s.events.append([{ sessionId: S1, events: [ev(1), ev(2), ev(4)] }]), [{ acked: 2, advanced: true }]);
        assert.deepEqual((await s.events.read(S1, 0)).events.map((e) => e.seq), [1, 2]);
        assert.deepEqual(await s.events.append([{ sessionId: S1, events: [ev(3)] }]), [{ acked: 4, advanced: true }]);
        assert.deepEqual((await s.events.read(S1, 2)).events.map((e) => e.seq), [3, 4]);
        // A daemon that pruned its own events before uploading them says so (firstSeq): they count as held.
        assert.deepEqual(await s.events.append([{ sessionId: S2, events: [ev(10)], firstSeq: 10 }]), [{ acked: 10, advanced: true }]);
        assert.equal((await s.events.read(S2, 0)).gap, true);
      });

      it('an upload that fails stores nothing of itself, and uploads beside it are stored', async () => {
        const good = s.events.append([{ sessionId: S1, events: [ev(1), ev(2)] }]);
        const bad = s.events.append([{ sessionId: S2, events: [ev(1), ev(2)] }, { sessionId: '0000000000000000', events: [ev(1)] }]);
        const alsoGood = s.events.append([{ sessionId: S3, events: [ev(1)] }, { sessionId: S1, events: [ev(3)] }]);
        assert.deepEqual((await good).map((r) => r.acked), [2]);
        await assert.rejects(bad, (err) => err instanceof SessionGone && err.sessionId === '0000000000000000');
        assert.deepEqual((await alsoGood).map((r) => r.acked), [1, 3]);
        assert.deepEqual((await s.events.read(S2, 0)).events, [], 'the failed upload left nothing');
        assert.equal((await s.sessions.get(S2))?.eventCount, 0);
      });

      it('serves back exactly what was sent, sealed or odd', async () => {
        const odd = ['1.AAAAAAAAAAAAAAAB.abd', '01.AAAAAAAAAAAAAAAA.abcd', 'not sealed at all: ünïcödé', '4294967296.AAAAAAAAAAAAAAAA.abcd'];
        const events = [ev(1), ev(2, undefined, '999999999.AAAAAAAAAAAAAAAA.abcd'), ...odd.map((d, i) => ev(3 + i, undefined, d))];
        await s.events.append([{ sessionId: S1, events }]);
        assert.deepEqual((await s.events.read(S1, 0)).events, events);
      });

      it('reads backwards in pages, and says whether earlier events exist or were pruned', async () => {
        await s.events.append([{ sessionId: S1, events: Array.from({ length: 10 }, (_, k) => ev(k + 1)) }]);
        const last = await s.events.readBefore(S1, 11, 4);
        assert.deepEqual(last.events.map((e) => e.seq), [7, 8, 9, 10]);
        assert.equal(last.earlier, true);
        const first = await s.events.readBefore(S1, 3, 4);
        assert.deepEqual(first.events.map((e) => e.seq), [1, 2]);
        assert.deepEqual([first.earlier, first.gap], [false, false]);
      });

      it('prunes by count and by bytes, oldest first, and says so (gap)', async () => {
        await use({ events: 10, bytes: 1 << 30, ageMs: 365 * DAY });
        await session(d1, S1);
        for (let i = 0; i < 3; i++) await s.events.append([{ sessionId: S1, events: Array.from({ length: 5 }, (_, k) => ev(i * 5 + k + 1)) }]);
        assert.deepEqual((await s.events.read(S1, 0)).events.map((e) => e.seq), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
        assert.equal((await s.events.read(S1, 0)).gap, true);
        const back = await s.events.readBefore(S1, 7, 10);
        assert.deepEqual([back.events.map((e) => e.seq), back.earlier, back.gap], [[6], false, true]);

        await use({ events: 1000, bytes: 1000, ageMs: 365 * DAY });
        await session(d1, S2);
        const big = () => `1.AAAAAAAAAAAAAAAA.${randomBytes(300).toString('base64url')}`; // 317 bytes stored
        const r = await s.events.append([{ sessionId: S2, events: Array.from({ length: 10 }, (_, k) => ev(k + 1, undefined, big())) }]);
        assert.equal(r[0]?.acked, 10);
        assert.deepEqual((await s.events.read(S2, 0)).events.map((e) => e.seq), [8, 9, 10], 'three of 317 bytes fit in 1000');
        assert.deepEqual(await s.events.bounds(S2), { firstSeq: 8, lastSeq: 10 });
      });

      it('prunes events past the retention age in a sweep; the acknowledged seq stays, and readers are told of the gap', async () => {
        await use({ events: 1000, bytes: 1 << 30, ageMs: 7 * DAY });
        await session(d1, S1);
        await session(d1, S2);
        const now = Date.parse('2026-12-04T12:00:00.000Z');
        const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
        await s.events.append([{ sessionId: S1, events: [ev(1, at(10)), ev(2, at(8)), ev(3, at(6)), ev(4, at(1))] }, { sessionId: S2, events: [ev(1, at(2))] }]);
        assert.deepEqual(await s.events.sweep(now), [S1], 'only the session with old events');
        assert.deepEqual((await s.events.read(S1, 0)).events.map((e) => e.seq), [3, 4]);
        assert.equal((await s.events.read(S1, 0)).gap, true);
        assert.deepEqual(await s.events.bounds(S1), { firstSeq: 3, lastSeq: 4 });
        assert.deepEqual(await s.events.sweep(now), [], 'nothing more to sweep');
        assert.deepEqual((await s.events.sweep(now + 6 * DAY)).sort(), [S1, S2]);
        assert.deepEqual((await s.events.read(S1, 0)).events.map((e) => e.seq), [4]);
        assert.deepEqual((await s.events.append([{ sessionId: S1, events: [ev(5)] }])).map((x) => x.acked), [5]);
      });
    });

    describe('instructions', () => {
      const to = () => ({ daemonId: d1, sessionId: S1 });
      const accept = async (text: string, key: string) => {
        const r = await s.instructions.accept(to(), 'prompt', { text }, key, via, 100);
        assert.ok(typeof r !== 'string', r as string);
        return r;
      };
      beforeEach(async () => session(d1, S1));

      it('stores each idempotency key once, offers pending ones in acceptance order, and caps what waits', async () => {
        const a = await accept('a', 'key-aaaaaaaa');
        assert.deepEqual(await accept('a', 'key-aaaaaaaa'), { id: a.id, duplicate: true });
        assert.equal(await s.instructions.accept(to(), 'approve', {}, 'key-aaaaaaaa', via, 100), 'kind-mismatch');
        const b = await accept('b', 'key-bbbbbbbb');
        const pending = await s.instructions.pendingFor(d1);
        assert.deepEqual(pending.map((i) => [i.id, i.session, i.payload, i.via]), [[a.id, S1, { text: 'a' }, via], [b.id, S1, { text: 'b' }, via]]);
        assert.deepEqual(await s.instructions.pendingFor(d2), []);
        assert.equal(await s.instructions.accept(to(), 'prompt', {}, 'key-cccccccc', via, 2), 'full');
        assert.deepEqual(await s.instructions.existing(S1, 'key-bbbbbbbb'), { id: b.id, kind: 'prompt' });
        assert.equal((await s.sessions.counts()).pending, 2);
      });

      it('is acknowledged once, by its daemon only; a retried key stays a duplicate within the window; old acked ones are swept', async () => {
        const first = await accept('a', 'key-aaaaaaaa');
        const pending = await accept('b', 'key-bbbbbbbb');
        assert.equal(await s.instructions.ack(d2, [first.id]), 0, 'another daemon cannot ack it');
        assert.equal(await s.instructions.ack(d1, [first.id, 'i_unknown']), 1);
        assert.equal(await s.instructions.ack(d1, [first.id]), 0, 'acked once');
        assert.deepEqual(await accept('a', 'key-aaaaaaaa'), { id: first.id, duplicate: true });
        assert.equal(await s.instructions.sweep(new Date(Date.now() - 60_000).toISOString()), 0, 'too recent to sweep');
        assert.equal(await s.instructions.sweep(new Date(Date.now() + 60_000).toISOString()), 1);
        assert.deepEqual((await s.instructions.pendingFor(d1)).map((i) => i.id), [pending.id], 'the pending one is still offered');
      });

      it('takes instructions to a daemon itself: deduplicated per daemon, offered with the others, its sealed result kept for the client', async () => {
        const mine = { daemonId: d1, sessionId: null };
        const start = await s.instructions.accept(mine, 'sealed', { nonce: 'n' }, 'nonce-aaaaaaaaaaaa', via, 2);
        assert.ok(typeof start !== 'string');
        assert.deepEqual(await s.instructions.accept(mine, 'sealed', { nonce: 'n' }, 'nonce-aaaaaaaaaaaa', via, 2), { id: start.id, duplicate: true });
        const prompt = await accept('a', 'key-aaaaaaaa');
        assert.deepEqual((await s.instructions.pendingFor(d1)).map((i) => [i.id, i.session]), [[start.id, null], [prompt.id, S1]]);
        assert.deepEqual(await s.instructions.resultOf(d1, start.id), { taken: false, result: null });
        assert.equal(await s.instructions.resultOf(d2, start.id), null, 'another daemon\'s client sees nothing of it');
        await s.instructions.ack(d1, [start.id]);
        assert.deepEqual(await s.instructions.resultOf(d1, start.id), { taken: true, result: null });
        assert.equal(await s.instructions.storeResults(d2, [{ id: start.id, result: 'x' }]), 0, 'only its daemon answers it');
        assert.equal(await s.instructions.storeResults(d1, [{ id: start.id, result: 'sealed-result' }, { id: prompt.id, result: 'y' }]), 1, 'not a session\'s');
        assert.equal(await s.instructions.storeResults(d1, [{ id: start.id, result: 'another' }]), 0, 'answered once');
        assert.deepEqual(await s.instructions.resultOf(d1, start.id), { taken: true, result: 'sealed-result' });
        assert.ok(typeof (await s.instructions.accept(mine, 'sealed', {}, 'nonce-bbbbbbbbbbbb', via, 2)) !== 'string');
        assert.ok(typeof (await s.instructions.accept(mine, 'sealed', {}, 'nonce-cccccccccccc', via, 2)) !== 'string');
        assert.equal(await s.instructions.accept(mine, 'sealed', {}, 'nonce-dddddddddddd', via, 2), 'full');
      });

      it('goes with its session: a removed session\'s instructions are no longer offered', async () => {
        await accept('a', 'key-aaaaaaaa');
        assert.equal(await s.sessions.remove(d1, S1), 'ok');
        assert.deepEqual(await s.instructions.pendingFor(d1), []);
      });
    });

    it('keeps one Web Push key pair: the same on every load', async () => {
      const k = await s.vapidKeys();
      assert.match(k.publicKey, /^[A-Za-z0-9_-]{80,}$/);
      assert.deepEqual(await s.vapidKeys(), k);
    });
  });
}

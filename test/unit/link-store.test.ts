// LinkStore's content-key epochs and replay check: a session's key is made on first use; replacing or revoking its
// URL starts a new epoch (only then, and only once a key exists); the replay check finds an earlier instruction of
// the session with the same nonce through its own indexed column; migration 8 keeps existing keys and nonces.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, type Db } from '../../src/store/db.js';
import { LinkStore, type InboxItem } from '../../src/store/link-store.js';
import { migrate } from '../../src/store/migrations.js';
import { SessionStore } from '../../src/store/sessions.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A URL's access as `rcd url` records it (the hashes need not match the token here). */
const url = (token = randomBytes(32).toString('base64url')) => ({ token, tokenHash: sha(token), readHash: sha(`r${token}`), expiresAt: null, revokedAt: null });
const revoked = { token: null, tokenHash: null, readHash: null, expiresAt: null, revokedAt: new Date().toISOString() };
const sealed = (id: string, sessionId: string, nonce: string, kind = 'sealed'): InboxItem =>
  ({ id, sessionId, kind, payload: { nonce, sealed: '1.x.y', proof: 'p' }, via: null });

function addSession(db: Db, id: string): void {
  new SessionStore(db).insert({ id, name: id, cwd: `/w/${id}`, agent: 'generic', command: ['x'], env: {}, restartPolicy: 'no', state: 'running', createdAt: new Date().toISOString() });
}

describe('link store: content-key epochs and the replay check', () => {
  let dir: string;
  let db: Db;
  let store: LinkStore;
  const epochs = (id: string) => store.contentKeys(id).map((k) => k.epoch);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-link-store-'));
    db = openDatabase(join(dir, 'rcd.db'));
    store = new LinkStore(db);
    for (const id of ['s1', 's2']) addSession(db, id);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a session\'s key on first use and returns the same one after', () => {
    const first = store.contentKey('s1');
    assert.equal(first.epoch, 1);
    assert.equal(Buffer.from(first.key, 'base64url').length, 32);
    assert.deepEqual(store.contentKey('s1'), first);
    assert.deepEqual(store.contentKeys('s1'), [first]);
    assert.notEqual(store.contentKey('s2').key, first.key, 'each session has its own');
  });

  it('starts a new epoch when the URL is replaced or revoked, not when the first one is issued', () => {
    store.setAccess('s1', url());
    assert.deepEqual(epochs('s1'), [1], 'a first URL: no URL had the key before');
    const one = store.contentKey('s1');
    const token = url();
    store.setAccess('s1', token);
    assert.deepEqual(epochs('s1'), [1, 2], 'rotation');
    store.setAccess('s1', token);
    assert.deepEqual(epochs('s1'), [1, 2], 'the same URL again is no rotation');
    store.setAccess('s1', revoked);
    assert.deepEqual(epochs('s1'), [1, 2, 3], 'revocation');
    store.setAccess('s1', url());
    assert.deepEqual(epochs('s1'), [1, 2, 3], 'a URL after a revocation: the revocation began the epoch no URL had');
    store.setAccess('s1', url());
    const keys = store.contentKeys('s1');
    assert.deepEqual(keys.map((k) => k.epoch), [1, 2, 3, 4], 'oldest first');
    assert.deepEqual([keys[0]?.key, keys[0]?.from], [one.key, one.from], 'older epochs keep their key and range');
    assert.ok(keys[0]?.replacedAt && !keys[3]?.replacedAt, 'a replaced epoch says when; the newest is not replaced');
    assert.equal(new Set(keys.map((k) => k.key)).size, 4, 'each epoch has a key of its own');
    assert.deepEqual(store.contentKey('s1'), keys[3], 'the newest seals');
    assert.deepEqual(epochs('s2'), [1], 'other sessions are untouched');
  });

  it('makes no key when a URL of a session without one is replaced', () => {
    store.setAccess('s1', url());
    store.setAccess('s1', url());
    store.setAccess('s1', revoked);
    assert.equal(db.prepare('SELECT COUNT(*) AS n FROM session_keys').pluck().get(), 0);
    assert.equal(store.newEpoch('s1'), 1, 'newEpoch itself starts at 1');
    assert.equal(store.newEpoch('s1'), 2);
  });

  it('finds a replay through the nonce column: same session, earlier instruction, sealed only', () => {
    const fresh = store.storeInstructions([
      sealed('a', 's1', 'nonce-aaaaaaaaaaaaaa'), sealed('b', 's1', 'nonce-aaaaaaaaaaaaaa'), sealed('c', 's2', 'nonce-aaaaaaaaaaaaaa'),
      sealed('d', 's1', 'nonce-dddddddddddddd', 'prompt'), sealed('e', 's1', 'nonce-dddddddddddddd'),
    ]);
    assert.deepEqual(fresh, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(store.nonceSeen('s1', 'nonce-aaaaaaaaaaaaaa', 'a'), false, 'the first with a nonce is no replay');
    assert.equal(store.nonceSeen('s1', 'nonce-aaaaaaaaaaaaaa', 'b'), true, 'the second is');
    assert.equal(store.nonceSeen('s2', 'nonce-aaaaaaaaaaaaaa', 'c'), false, 'another session\'s nonce does not count');
    assert.equal(store.nonceSeen('s1', 'nonce-dddddddddddddd', 'e'), false, 'an instruction that is not sealed has no nonce');
    assert.deepEqual(db.prepare("SELECT id FROM inbox WHERE nonce IS NULL").pluck().all(), ['d']);
    const query = 'SELECT 1 FROM inbox WHERE session_id = ? AND nonce = ? AND rowid < (SELECT rowid FROM inbox WHERE id = ?) LIMIT 1'; // nonceSeen's
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${query}`).all('s1', 'x', 'e') as { detail: string }[];
    assert.ok(plan.some((p) => p.detail.includes('inbox_nonce')), JSON.stringify(plan));
  });
});

describe('migration 8', () => {
  it('keeps an existing key as epoch 1 and fills the nonce of instructions already received', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcd-migration-8-'));
    try {
      const path = join(dir, 'rcd.db');
      const old = new Database(path);
      migrate(old, 7);
      old.prepare("INSERT INTO sessions (id, name, cwd, agent, command, env, restart_policy, state, created_at, updated_at) VALUES ('s1', 's1', '/a', 'generic', '[]', '{}', 'no', 'running', 'x', 'x')").run();
      old.prepare("INSERT INTO session_keys (session_id, epoch, key) VALUES ('s1', 1, 'the-old-key')").run();
      const received = "INSERT INTO inbox (id, session_id, kind, payload, via, received_at) VALUES (?, 's1', ?, ?, NULL, 'x')";
      old.prepare(received).run('a', 'sealed', JSON.stringify({ nonce: 'nonce-aaaaaaaaaaaaaa', sealed: 'x', proof: 'y' }));
      old.prepare(received).run('b', 'prompt', JSON.stringify({ text: 'a version-1 instruction' }));
      old.close();

      const db = openDatabase(path);
      try {
        const store = new LinkStore(db);
        assert.deepEqual(store.contentKeys('s1'), [{ epoch: 1, key: 'the-old-key', from: 1, replacedAt: null }]);
        assert.deepEqual(db.prepare('SELECT id, nonce FROM inbox ORDER BY id').all(), [{ id: 'a', nonce: 'nonce-aaaaaaaaaaaaaa' }, { id: 'b', nonce: null }]);
        store.storeInstructions([sealed('c', 's1', 'nonce-aaaaaaaaaaaaaa')]);
        assert.equal(store.nonceSeen('s1', 'nonce-aaaaaaaaaaaaaa', 'c'), true, 'a nonce received before the upgrade is remembered');
        store.setAccess('s1', url());
        store.setAccess('s1', url());
        assert.deepEqual(store.contentKeys('s1').map((k) => k.epoch), [1, 2]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('12: the inbox keeps what was received and started (never run again), and takes instructions to the daemon with their results', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcd-migration-12-'));
    try {
      const path = join(dir, 'rcd.db');
      const old = new Database(path);
      migrate(old, 11);
      old.prepare("INSERT INTO sessions (id, name, cwd, agent, command, env, restart_policy, state, created_at, updated_at) VALUES ('s1', 's1', '/a', 'generic', '[]', '{}', 'no', 'running', 'x', 'x')").run();
      old.prepare("INSERT INTO inbox (id, session_id, kind, payload, via, received_at, started_at, nonce) VALUES ('a', 's1', 'sealed', '{}', NULL, 'x', 'y', 'nonce-aaaaaaaaaaaaaa')").run();
      old.close();

      const db = openDatabase(path);
      try {
        const store = new LinkStore(db);
        assert.equal(store.claimNext(), undefined, 'started before the upgrade: not claimed again');
        store.storeInstructions([sealed('c', 's1', 'nonce-aaaaaaaaaaaaaa')]);
        assert.equal(store.nonceSeen('s1', 'nonce-aaaaaaaaaaaaaa', 'c'), true);
        assert.equal((db.prepare("SELECT origin FROM sessions WHERE id = 's1'").get() as { origin: string }).origin, 'local');
        // An instruction to the daemon itself: no session; its nonce is its own (not a session's).
        store.storeInstructions([{ ...sealed('d', 's1', 'nonce-aaaaaaaaaaaaaa'), sessionId: null }]);
        assert.equal(store.nonceSeen(null, 'nonce-aaaaaaaaaaaaaa', 'd'), false);
        assert.equal(store.claimNext()?.id, 'c');
        const d = store.claimNext();
        assert.deepEqual([d?.id, d?.sessionId], ['d', null]);
        store.finish('d', null, { ok: true });
        assert.deepEqual(store.unsentResults(), [{ id: 'd', nonce: 'nonce-aaaaaaaaaaaaaa', result: { ok: true } }]);
        store.markResultsSent(['d']);
        assert.deepEqual(store.unsentResults(), []);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

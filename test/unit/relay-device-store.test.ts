// The relay's device URLs at rest: only hashes; a device URL opens its daemon with the scope of the credential used,
// expires, and once rotated or revoked never opens anything again, nor can anyone (another daemon's device or
// session) take its hash.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openRelayDb, type Db } from '../../src/relay/db.js';
import { DeviceStore } from '../../src/relay/device-store.js';
import { SessionStore, sha256hex } from '../../src/relay/store.js';
import { sessionView } from '../helpers/relay-client.js';

describe('relay device store', () => {
  let dir: string;
  let db: Db;
  let devices: DeviceStore;
  let sessions: SessionStore;
  let a: string;
  let b: string;
  const [steer, read, steer2] = ['steer-credential-0001', 'read-credential-0001', 'steer-credential-0002'];
  const access = (s: string, r: string | null, expiresAt: string | null = null) => ({ tokenHash: sha256hex(s), readHash: r && sha256hex(r), expiresAt });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-relay-device-'));
    db = openRelayDb(join(dir, 'relay.db'));
    devices = new DeviceStore(db);
    sessions = new SessionStore(db);
    [a, b] = [sessions.registerDaemon(10), sessions.registerDaemon(10)].map((r) => (r as { daemonId: string }).daemonId) as [string, string];
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens its daemon with the scope of the credential, stores only hashes, and expires', () => {
    assert.equal(devices.put(a, access(steer, read)), 'ok');
    assert.deepEqual(devices.open(steer), { daemonId: a, scope: 'control', tokenHash: sha256hex(steer) });
    assert.deepEqual(devices.open(read), { daemonId: a, scope: 'view', tokenHash: sha256hex(steer) });
    assert.equal(devices.open('unknown-credential'), 'UNKNOWN_URL');
    const raw = JSON.stringify(db.prepare('SELECT * FROM daemons').all());
    assert.ok(!raw.includes(steer) && !raw.includes(read));
    const soon = new Date(Date.now() + 60_000).toISOString();
    assert.equal(devices.put(a, access(steer, read, soon)), 'ok');
    assert.equal(typeof devices.open(steer), 'object');
    assert.equal(devices.open(steer, Date.now() + 61_000), 'EXPIRED');
  });

  it('a rotated or revoked hash is retired for good: not current again, for this daemon or another, device or session', () => {
    assert.equal(devices.put(a, access(steer, read)), 'ok');
    assert.equal(devices.put(a, access(steer2, null)), 'ok');
    assert.equal(devices.open(steer), 'ROTATED');
    assert.equal(devices.open(read), 'ROTATED');
    assert.equal(devices.put(b, access(steer, null)), 'retired');
    assert.equal(devices.put(a, access(steer, null)), 'retired');
    assert.equal(devices.put(b, access(steer2, null)), 'conflict', 'a hash another daemon holds');
    assert.equal(sessions.put(b, sessionView('0123456789abcdef'), { ...access(steer2, null), envelope: null }, 10), 'conflict', 'nor may a session take it');
    sessions.put(b, sessionView('fedcba9876543210'), { ...access('session-steer-0001', null), envelope: null }, 10);
    assert.equal(devices.put(a, access('session-steer-0001', null)), 'conflict', 'nor a device a session\'s');
    assert.equal(devices.put(a, null), 'ok');
    assert.equal(devices.open(steer2), 'REVOKED');
  });
});

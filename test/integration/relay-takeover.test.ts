// A retired session URL can't be taken over: a real relay (in-process on 127.0.0.1, driven over HTTP) refuses
// with 409 every claim of a token hash that was rotated away, revoked or removed — by another daemon, under
// another session id or the old one, and by the session that retired it — and the old URL keeps answering why
// it fails instead of serving the claimant's session.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PollResponse, RemoteStatusResponse } from '../../src/protocol/relay.js';
import { startRelay, type RunningRelay } from '../../src/relay/main.js';
import { storeUnderTest } from '../helpers/relay-store.js';
import { RelayClient, errorCode, fakeView, newSessionId, newToken, outputEvent, sha } from '../helpers/relay-client.js';

describe('relay: retired URLs stay retired', () => {
  let dir: string;
  let relay: RunningRelay;
  let c: RelayClient;

  before(async () => {
    dir = mkdtempSync('/tmp/rcd-takeover-');
    relay = await startRelay({ ...(await storeUnderTest()), host: '127.0.0.1', port: 0, data: dir, logLevel: 'warn' });
    c = new RelayClient(relay.url);
  });
  after(async () => {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The old URL answers `code` and serves nothing of the claimant: no status, no events, no prompt taken. */
  const stillDead = async (token: string, code: string, claimant: { cred: string }) => {
    const status = await c.call('GET', `/api/s/${token}`);
    assert.deepEqual([status.status, errorCode(status)], [410, code], status.text);
    assert.equal((await c.call('GET', `/api/s/${token}/events?after=0`)).status, 410);
    assert.equal((await c.call('GET', `/s/${token}`)).status, 410);
    assert.equal((await c.prompt(token, 'to the impostor')).status, 410);
    const polled = await c.call('GET', '/api/daemon/poll?wait=0', undefined, claimant.cred);
    assert.deepEqual(PollResponse.parse(polled.json).instructions, [], 'nothing reached the claimant');
  };

  it('refuses another daemon claiming a rotated hash; the old URL keeps answering ROTATED', async () => {
    const a = await c.register();
    const x = newSessionId();
    const [t1, t2] = [newToken(), newToken()];
    assert.equal((await c.putSession(a.credential, x, sha(t1), { sealed: fakeView('owner') })).status, 200);
    assert.equal((await c.upload(a.credential, x, [outputEvent(1, 'the owner\'s output\n')])).status, 200);
    assert.equal((await c.putSession(a.credential, x, sha(t2), { sealed: fakeView('owner') })).status, 200, 'rotated');

    const b = await c.register();
    const y = newSessionId();
    const claim = await c.putSession(b.credential, y, sha(t1), { sealed: fakeView('impostor') });
    assert.deepEqual([claim.status, errorCode(claim)], [409, 'CONFLICT'], claim.text);
    assert.match(claim.text, /retired URL never works again/);
    await stillDead(t1, 'ROTATED', { cred: b.credential });
    // The claimant's session went nowhere (the PUT stored nothing), and the owner's new URL is unaffected.
    assert.equal((await c.upload(b.credential, y, [outputEvent(1, 'impostor\n')])).status, 404);
    const owner = RemoteStatusResponse.parse((await c.call('GET', `/api/s/${t2}`)).json);
    assert.equal(owner.session.sealed, fakeView('owner'));
    // The claimant can still share a session of its own under a fresh URL.
    assert.equal((await c.putSession(b.credential, y, sha(newToken()), { sealed: fakeView('impostor') })).status, 200);
  });

  it('refuses claims of a revoked hash and of a removed session\'s hash, also under the removed session\'s id', async () => {
    const a = await c.register();
    const b = await c.register();
    const x = newSessionId();
    const [t1, t2] = [newToken(), newToken()];
    assert.equal((await c.putSession(a.credential, x, sha(t1))).status, 200);
    assert.equal((await c.putSession(a.credential, x, null)).status, 200, 'revoked');
    const revokedClaim = await c.putSession(b.credential, newSessionId(), sha(t1));
    assert.deepEqual([revokedClaim.status, errorCode(revokedClaim)], [409, 'CONFLICT']);
    await stillDead(t1, 'REVOKED', { cred: b.credential });

    assert.equal((await c.putSession(a.credential, x, sha(t2))).status, 200, 'a new URL after the revocation');
    assert.equal((await c.call('DELETE', `/api/daemon/sessions/${x}`, undefined, a.credential)).status, 204);
    // The session id is free again, its URL is not.
    const sameId = await c.putSession(b.credential, x, sha(t2));
    assert.deepEqual([sameId.status, errorCode(sameId)], [409, 'CONFLICT'], sameId.text);
    await stillDead(t2, 'REVOKED', { cred: b.credential });
  });

  it('refuses the session that retired a hash too (a stale PUT must not undo a rotation)', async () => {
    const a = await c.register();
    const x = newSessionId();
    const [t1, t2] = [newToken(), newToken()];
    assert.equal((await c.putSession(a.credential, x, sha(t1))).status, 200);
    assert.equal((await c.putSession(a.credential, x, sha(t2))).status, 200);
    const stale = await c.putSession(a.credential, x, sha(t1));
    assert.deepEqual([stale.status, errorCode(stale)], [409, 'CONFLICT']);
    assert.equal(errorCode(await c.call('GET', `/api/s/${t1}`)), 'ROTATED');
    assert.equal((await c.call('GET', `/api/s/${t2}`)).status, 200, 'the current URL still works');
    assert.equal((await c.putSession(a.credential, x, sha(t2), { live: false })).status, 200, 'updates with the current hash go on');
  });
});

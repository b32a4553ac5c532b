// The end-to-end layer's primitives: standard HKDF/AES-GCM/HMAC through WebCrypto, keys separated by purpose,
// every record authenticated and bound to its place, proofs only from the control secret.
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { fromBase64url, toBase64url } from '../../src/e2e/encoding.js';
import { unwrapKeys, wrapKeys } from '../../src/e2e/envelope.js';
import { controlKeys, randomSecret, viewKeys } from '../../src/e2e/keys.js';
import { prove, verifyProof } from '../../src/e2e/proof.js';
import { EventOpener } from '../../src/e2e/records.js';
import { OpenFailed, contexts, importContentKey, newContentKey, open, seal } from '../../src/e2e/seal.js';
import { ViewGuard, openSessionView, sealSessionView } from '../../src/e2e/session-view.js';
import type { SessionView } from '../../src/protocol/relay.js';

const SESSION = '0123456789abcdef';
const flip = (sealed: string, at: number) => {
  const [iv, ct] = sealed.split('.') as [string, string];
  const bytes = fromBase64url(ct);
  bytes[at % bytes.length] = (bytes[at % bytes.length] ?? 0) ^ 1;
  return `${iv}.${toBase64url(bytes)}`;
};

describe('e2e keys', () => {
  it('derive with plain HKDF-SHA256 (same bytes as node:crypto), one label per purpose', async () => {
    const secret = randomSecret();
    const k = await controlKeys(secret);
    const expectView = new Uint8Array(hkdfSync('sha256', secret, Buffer.from('rcd e2e v2'), Buffer.from('rcd/view'), 32));
    assert.deepEqual(k.viewSecret, expectView);
    const expectRead = new Uint8Array(hkdfSync('sha256', expectView, Buffer.from('rcd e2e v2'), Buffer.from('rcd/relay read'), 32));
    assert.equal(k.readCredential, toBase64url(expectRead));
    assert.notEqual(k.readCredential, k.steerCredential);
  });

  it('a view secret gives the same read access and wrap key as its control secret, and no steering', async () => {
    const c = await controlKeys(randomSecret());
    const v = await viewKeys(c.viewSecret);
    assert.equal(v.readCredential, c.readCredential);
    const { raw } = await newContentKey();
    const env = await wrapKeys(c.wrapKey, [{ epoch: 1, raw }], SESSION, 'url1');
    assert.deepEqual((await unwrapKeys(v.wrapKey, env, SESSION, 'url1'))[0]?.raw, raw);
    assert.equal('proofKey' in v, false);
  });

  it('refuses secrets of the wrong size and mangled base64url', async () => {
    await assert.rejects(controlKeys(new Uint8Array(16)), /32 bytes/);
    assert.throws(() => fromBase64url('abc$'), /not base64url/);
    assert.throws(() => fromBase64url('a'), /not base64url/);
  });
});

describe('e2e records', () => {
  it('round-trip, with a fresh IV every time', async () => {
    const { key } = await newContentKey();
    const ctx = contexts.event(SESSION, 7);
    const a = await seal(key, new TextEncoder().encode('secret output'), ctx);
    const b = await seal(key, new TextEncoder().encode('secret output'), ctx);
    assert.notEqual(a.split('.')[0], b.split('.')[0], 'no nonce reuse');
    assert.equal(new TextDecoder().decode(await open(key, a, ctx)), 'secret output');
    assert.ok(!a.includes('secret'));
  });

  it('refuse a flipped bit anywhere, a truncation, another place (session, seq) and another key', async () => {
    const { key } = await newContentKey();
    const ctx = contexts.event(SESSION, 7);
    const sealed = await seal(key, new Uint8Array(64).fill(65), ctx);
    for (const at of [0, 10, 63, 70, 79]) await assert.rejects(open(key, flip(sealed, at), ctx), OpenFailed);
    const [iv, ct] = sealed.split('.') as [string, string];
    const ivBytes = fromBase64url(iv);
    ivBytes[0] = (ivBytes[0] ?? 0) ^ 0x80;
    await assert.rejects(open(key, `${toBase64url(ivBytes)}.${ct}`, ctx), OpenFailed);
    await assert.rejects(open(key, sealed.slice(0, -4), ctx), OpenFailed);
    await assert.rejects(open(key, 'garbage', ctx), OpenFailed);
    await assert.rejects(open(key, sealed, contexts.event(SESSION, 8)), OpenFailed);
    await assert.rejects(open(key, sealed, contexts.event('fedcba9876543210', 7)), OpenFailed);
    await assert.rejects(open((await newContentKey()).key, sealed, ctx), OpenFailed);
  });

  it('an envelope opens only for its session and URL', async () => {
    const c = await controlKeys(randomSecret());
    const env = await wrapKeys(c.wrapKey, [{ epoch: 1, raw: (await newContentKey()).raw }], SESSION, 'url1');
    await assert.rejects(unwrapKeys(c.wrapKey, env, SESSION, 'url2'), OpenFailed);
    await assert.rejects(unwrapKeys((await controlKeys(randomSecret())).wrapKey, env, SESSION, 'url1'), OpenFailed);
  });
});

describe('e2e instruction proofs', () => {
  const fields = { session: SESSION, kind: 'prompt', nonce: 'n-1', payload: 'iv.ct' };

  it('verify only under the control secret that made them, over exactly those fields', async () => {
    const c = await controlKeys(randomSecret());
    const proof = await prove(c.proofKey, fields);
    assert.equal(await verifyProof(c.proofKey, fields, proof), true);
    for (const change of [{ session: 'fedcba9876543210' }, { kind: 'stop' }, { nonce: 'n-2' }, { payload: 'iv.cu' }]) {
      assert.equal(await verifyProof(c.proofKey, { ...fields, ...change }, proof), false, JSON.stringify(change));
    }
    const other = await controlKeys(randomSecret());
    assert.equal(await verifyProof(other.proofKey, fields, proof), false);
    assert.equal(await verifyProof(c.proofKey, fields, 'not-a-proof$'), false);
  });

  it('field boundaries are unambiguous', async () => {
    const c = await controlKeys(randomSecret());
    const proof = await prove(c.proofKey, { ...fields, kind: 'prompt', nonce: 'x' });
    assert.equal(await verifyProof(c.proofKey, { ...fields, kind: 'promptx', nonce: '' }, proof), false);
  });
});

describe('e2e session views', () => {
  const view = (at: number, state: SessionView['state'] = 'running'): SessionView => ({
    name: 'secret-name', agent: 'claude', cwd: '/home/me/secret-dir', state, pendingApprovals: 0, approvals: [], permissionMode: null, at,
  });

  it('open only for their session, whole and unaltered; an empty one is "none yet"', async () => {
    const raw = (await newContentKey()).raw;
    const key = { epoch: 1, cryptoKey: await importContentKey(raw) };
    const opener = await EventOpener.withKeys(SESSION, [{ epoch: 1, raw }]);
    const sealed = await sealSessionView(key, SESSION, view(5));
    assert.equal(sealed.includes('secret'), false);
    assert.deepEqual(await openSessionView(opener, SESSION, sealed), view(5));
    assert.equal(await openSessionView(opener, SESSION, ''), null);
    const [epoch, iv, ct] = sealed.split('.') as [string, string, string];
    await assert.rejects(openSessionView(opener, SESSION, `${epoch}.${flip(`${iv}.${ct}`, 3)}`), OpenFailed);
    const other = await EventOpener.withKeys('fedcba9876543210', [{ epoch: 1, raw }]);
    await assert.rejects(openSessionView(other, 'fedcba9876543210', sealed), OpenFailed, 'moved to another session');
    await assert.rejects(openSessionView(opener, SESSION, `2.${iv}.${ct}`), OpenFailed, 'an epoch this URL has no key for');
  });

  it('a client keeps the newest view it has seen: an older one served again is not shown', () => {
    const guard = new ViewGuard();
    assert.equal(guard.accept(null), null);
    assert.deepEqual(guard.accept(view(10, 'running')), view(10, 'running'));
    assert.deepEqual(guard.accept(view(9, 'exited')), view(10, 'running'), 'a replay of an older view');
    assert.deepEqual(guard.accept(null), view(10, 'running'));
    assert.deepEqual(guard.accept(view(11, 'exited')), view(11, 'exited'));
    // One dated far ahead of this clock (forged to shut out every genuine view) is not taken.
    assert.deepEqual(guard.accept(view(Date.now() + 3600_000, 'running')), view(11, 'exited'));
  });

  it('only the newest key seals a view: one under an older key (held by URLs replaced since) is refused', async () => {
    const [k1, k2] = [(await newContentKey()).raw, (await newContentKey()).raw];
    const opener = await EventOpener.withKeys(SESSION, [{ epoch: 1, raw: k1 }, { epoch: 2, raw: k2 }]);
    const old = await sealSessionView({ epoch: 1, cryptoKey: await importContentKey(k1) }, SESSION, view(5));
    await assert.rejects(openSessionView(opener, SESSION, old), OpenFailed);
    const current = await sealSessionView({ epoch: 2, cryptoKey: await importContentKey(k2) }, SESSION, view(6));
    assert.deepEqual(await openSessionView(opener, SESSION, current), view(6));
  });
});

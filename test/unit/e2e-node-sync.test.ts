// The daemon's synchronous twin of the end-to-end primitives (src/e2e/node-sync.ts) against the WebCrypto ones the
// clients and the page use: each side opens exactly what the other made, derives the same keys, and refuses the same
// alterations. A divergence here would make the daemon's events unreadable, or its checks weaker, than the protocol says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBase64url, toBase64url, utf8 } from '../../src/e2e/encoding.js';
import { sealInstruction } from '../../src/e2e/instructions.js';
import { controlKeys, randomSecret } from '../../src/e2e/keys.js';
import { deriveSync, openDeviceInstructionSync, openInstructionSync, openSync, sealDeviceResultSync, sealEventSync, sealSync, verifyProofSync } from '../../src/e2e/node-sync.js';
import { openDeviceResult, sealDeviceInstruction } from '../../src/e2e/device-instructions.js';
import { prove } from '../../src/e2e/proof.js';
import { EventOpener } from '../../src/e2e/records.js';
import { OpenFailed, contexts, importContentKey, newContentKey, open, seal } from '../../src/e2e/seal.js';

const S = '0123456789abcdef';
const flip = (sealed: string) => {
  const [iv, ct] = sealed.split('.') as [string, string];
  const b = fromBase64url(ct);
  b[3] = (b[3] ?? 0) ^ 1;
  return `${iv}.${toBase64url(b)}`;
};

describe('e2e node-sync (the daemon) against WebCrypto (clients, the page)', () => {
  it('AES-GCM: each opens what the other sealed, bound to the same context; an altered record is refused by both', async () => {
    const { raw, key } = await newContentKey();
    const ctx = contexts.event(S, 7);
    const bySync = sealSync(raw, utf8('from the daemon'), ctx);
    assert.equal(Buffer.from(await open(key, bySync, ctx)).toString(), 'from the daemon');
    const byWeb = await seal(key, utf8('from a client'), ctx);
    assert.equal(Buffer.from(openSync(raw, byWeb, ctx)).toString(), 'from a client');
    assert.throws(() => openSync(raw, flip(byWeb), ctx), OpenFailed);
    assert.throws(() => openSync(raw, byWeb, contexts.event(S, 8)), OpenFailed, 'moved to another seq');
    await assert.rejects(open(key, flip(bySync), ctx), OpenFailed);
    assert.notEqual(sealSync(raw, utf8('x'), ctx).split('.')[0], sealSync(raw, utf8('x'), ctx).split('.')[0], 'a fresh IV each time');
  });

  it('events sealed by the daemon open with a client\'s EventOpener, kind and bytes', async () => {
    const { raw } = await newContentKey();
    const opener = await EventOpener.withKeys(S, [{ epoch: 3, raw }]);
    const sealed = sealEventSync({ epoch: 3, raw }, S, 12, 'output', utf8('hello\n'));
    assert.ok(sealed.startsWith('3.'));
    const got = await opener.open(12, sealed);
    assert.deepEqual([got.kind, Buffer.from(got.data).toString()], ['output', 'hello\n']);
    await assert.rejects(opener.open(13, sealed), OpenFailed);
  });

  it('HKDF and HMAC: the same proof key, so a client\'s proof verifies here and nothing else does', async () => {
    const secret = randomSecret();
    const keys = await controlKeys(secret);
    const fields = { session: S, kind: 'steer', nonce: 'n'.repeat(22), payload: '1.abc.def' };
    const proof = await prove(keys.proofKey, fields);
    assert.equal(verifyProofSync(deriveSync(secret, 'proof'), fields, proof), true);
    assert.equal(verifyProofSync(deriveSync(secret, 'proof'), { ...fields, payload: '1.abc.deg' }, proof), false);
    assert.equal(verifyProofSync(deriveSync(randomSecret(), 'proof'), fields, proof), false);
    assert.equal(verifyProofSync(deriveSync(secret, 'proof'), fields, 'not base64!'), false);
    assert.equal(toBase64url(deriveSync(secret, 'relay steer')), keys.steerCredential, 'the same derivation as keys.ts');
  });

  it('an instruction a client sealed and proved opens here; another key, another session or an unknown epoch does not', async () => {
    const secret = randomSecret();
    const { raw } = await newContentKey();
    const opener = await EventOpener.withKeys(S, [{ epoch: 2, raw }]);
    const i = await sealInstruction(secret, opener, S, { kind: 'prompt', text: 'hi' });
    const ring = new Map([[2, raw]]);
    const body = openInstructionSync(deriveSync(secret, 'proof'), ring, S, i) as { kind: string; text: string };
    assert.deepEqual([body.kind, body.text], ['prompt', 'hi']);
    assert.throws(() => openInstructionSync(deriveSync(randomSecret(), 'proof'), ring, S, i), /not proved/);
    assert.throws(() => openInstructionSync(deriveSync(secret, 'proof'), ring, 'fedcba9876543210', i), /not proved/);
    assert.throws(() => openInstructionSync(deriveSync(secret, 'proof'), new Map([[1, raw]]), S, i), /does not open/);
    assert.ok(await importContentKey(raw)); // the raw key is a valid WebCrypto AES key too
  });

  it('device instructions: only the device URL\'s control secret makes one its daemon opens; results open only for that secret and nonce', async () => {
    const secret = randomSecret();
    const daemon = 'fedcba9876543210';
    const i = await sealDeviceInstruction(secret, daemon, { kind: 'start', cwd: '/p/app' });
    assert.deepEqual((openDeviceInstructionSync(secret, daemon, i) as { cwd: string }).cwd, '/p/app');
    assert.throws(() => openDeviceInstructionSync(randomSecret(), daemon, i), /not proved/, 'another URL\'s key');
    assert.throws(() => openDeviceInstructionSync(secret, 'aaaaaaaaaaaaaaaa', i), /not proved/, 'another daemon');
    assert.throws(() => openDeviceInstructionSync(secret, daemon, { ...i, sealed: `0.${flip(i.sealed.slice(2))}` }), /not proved/, 'an altered body');
    // A session instruction proved with the same secret does not pass for one to the daemon (the proof names its kind).
    const keys = await EventOpener.withKeys(`d:${daemon}`, [{ epoch: 0, raw: Uint8Array.from(deriveSync(secret, 'device')), from: 1 }]);
    const steer = await sealInstruction(secret, keys, `d:${daemon}`, { kind: 'prompt', text: 'x' });
    assert.throws(() => openDeviceInstructionSync(secret, daemon, steer), /not proved/);
    const result = sealDeviceResultSync(secret, daemon, i.nonce, { ok: true });
    assert.deepEqual(await openDeviceResult(secret, daemon, i.nonce, result), { ok: true });
    await assert.rejects(openDeviceResult(secret, daemon, 'another-nonce-0000', result), OpenFailed, 'a result moved to another instruction');
    await assert.rejects(openDeviceResult(randomSecret(), daemon, i.nonce, result), OpenFailed);
  });
});

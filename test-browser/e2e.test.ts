// src/e2e in a real browser: the bundle of test-browser/e2e-entry.ts runs the key schedule, seal/open,
// wrapKeys/unwrapKeys and prove/verifyProof in Chromium on fixed inputs, and every result must equal what the same
// code gives in Node: derived values byte for byte, Node's records and envelope open in the browser, the browser's
// open in Node, and a proof made on one side verifies on the other. This is what lets the web app share src/e2e.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fromBase64url, fromUtf8, toBase64url, utf8 } from '../src/e2e/encoding.js';
import { unwrapKeys, wrapKeys } from '../src/e2e/envelope.js';
import { controlKeys, viewKeys } from '../src/e2e/keys.js';
import { prove, verifyProof } from '../src/e2e/proof.js';
import { contexts, importContentKey, open, seal } from '../src/e2e/seal.js';
import { inBrowser } from './chromium.js';
import type { E2eInput, E2eOutput } from './e2e-entry.js';

// Built by `npm run build` next to this file's compiled form (dist/test-browser/).
const BUNDLE = readFileSync(new URL('./e2e-bundle.js', import.meta.url), 'utf8');
const PAGE = '<!doctype html><meta charset="utf-8"><title>e2e</title><script src="/e2e.js"></script>';

/** Serves the test page and the bundle on 127.0.0.1 only (a secure context: WebCrypto needs one). */
async function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const js = req.url === '/e2e.js';
    res.writeHead(js || req.url === '/' ? 200 : 404, { 'content-type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? BUNDLE : PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const SESSION = '0123456789abcdef';
const URL_ID = 'u1';
const SEQ = 42;
const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
const contentKey = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

describe('src/e2e in a browser', () => {
  it('derives, seals, opens, wraps and proves exactly as in Node', async () => {
    const c = await controlKeys(secret);
    const key = await importContentKey(contentKey);
    const ctx = contexts.event(SESSION, SEQ);
    const fields = { session: SESSION, kind: 'prompt', nonce: 'n0nce-0123456789', payload: 'iv.ciphertext' };
    const input: E2eInput = {
      secret: toBase64url(secret),
      contentKey: toBase64url(contentKey),
      session: SESSION,
      url: URL_ID,
      seq: SEQ,
      text: 'sealed in the browser: ünïcødé ✓',
      nodeRecord: await seal(key, utf8('sealed in Node: ✓'), ctx),
      nodeEnvelope: await wrapKeys(c.wrapKey, [{ epoch: 1, raw: contentKey }, { epoch: 2, raw: secret }], SESSION, URL_ID),
      fields,
      nodeProof: await prove(c.proofKey, fields),
    };

    const { server, url } = await serve();
    let got: E2eOutput | undefined;
    try {
      await inBrowser(async (browser) => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        await page.goto(url);
        await page.waitForFunction(() => 'rcdE2e' in globalThis, undefined, { timeout: 10_000 });
        got = await page.evaluate((i) => (globalThis as unknown as { rcdE2e: (i: E2eInput) => Promise<E2eOutput> }).rcdE2e(i), input);
        assert.deepEqual(errors, []);
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    assert.ok(got);

    // The key schedule: the same bytes from the same secret.
    assert.deepEqual(got.keys, {
      viewSecret: toBase64url(c.viewSecret),
      readCredential: c.readCredential,
      steerCredential: c.steerCredential,
      viewReadCredential: (await viewKeys(c.viewSecret)).readCredential,
    });
    // Records: Node's opens in the browser and is refused there when altered or moved; the browser's opens in Node.
    assert.equal(got.openedNodeRecord, 'sealed in Node: ✓');
    assert.equal(got.refusesAlteredRecord, true);
    assert.equal(got.refusesMovedRecord, true);
    assert.equal(fromUtf8(await open(key, got.browserRecord, ctx)), input.text);
    assert.notEqual(got.browserRecord.split('.')[0], input.nodeRecord.split('.')[0], 'a fresh IV in the browser too');
    // Envelopes both ways.
    assert.deepEqual(got.unwrapped, [{ epoch: 1, key: toBase64url(contentKey) }, { epoch: 2, key: toBase64url(secret) }]);
    const back = await unwrapKeys(c.wrapKey, got.browserEnvelope, SESSION, URL_ID);
    assert.deepEqual(back.map((k) => [k.epoch, [...k.raw]]), [[1, [...contentKey]], [2, [...secret]]]);
    // Proofs: HMAC is deterministic, so the browser's equals Node's, and each side verifies the other's.
    assert.equal(got.proof, input.nodeProof);
    assert.equal(await verifyProof(c.proofKey, fields, got.proof), true);
    assert.equal(got.verifiesNodeProof, true);
    assert.equal(got.refusesOtherFields, true);
    assert.equal(fromBase64url(got.proof).length, 32);
  });
});

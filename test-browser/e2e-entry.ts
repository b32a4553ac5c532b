// The browser half of test-browser/e2e.test.ts: src/e2e, bundled as it will be for the web app (esbuild, IIFE,
// es2020) and run in Chromium on inputs the Node half made. Built by `npm run build` into
// dist/test-browser/e2e-bundle.js; never shipped. It exposes one function, `rcdE2e(input)`, whose answer the test
// compares with what the same code computes in Node.
import { fromBase64url, fromUtf8, toBase64url, utf8 } from '../src/e2e/encoding.js';
import { unwrapKeys, wrapKeys } from '../src/e2e/envelope.js';
import { controlKeys, viewKeys } from '../src/e2e/keys.js';
import { prove, verifyProof, type ProvedFields } from '../src/e2e/proof.js';
import { OpenFailed, contexts, importContentKey, open, seal } from '../src/e2e/seal.js';

/** What Node hands over: a fixed secret and content key, and what Node sealed, wrapped and proved with them. */
export interface E2eInput {
  secret: string;
  contentKey: string;
  session: string;
  url: string;
  seq: number;
  text: string;
  nodeRecord: string;
  nodeEnvelope: string;
  fields: ProvedFields;
  nodeProof: string;
}

async function refused(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    return err instanceof OpenFailed;
  }
}

async function rcdE2e(input: E2eInput) {
  const c = await controlKeys(fromBase64url(input.secret));
  const v = await viewKeys(c.viewSecret);
  const key = await importContentKey(fromBase64url(input.contentKey));
  const ctx = contexts.event(input.session, input.seq);
  const unwrapped = await unwrapKeys(v.wrapKey, input.nodeEnvelope, input.session, input.url);
  // One whole character of the ciphertext changed (the one before the last: the last also holds padding bits).
  const altered = `${input.nodeRecord.slice(0, -2)}${input.nodeRecord.at(-2) === 'A' ? 'B' : 'A'}${input.nodeRecord.slice(-1)}`;
  return {
    keys: {
      viewSecret: toBase64url(c.viewSecret),
      readCredential: c.readCredential,
      steerCredential: c.steerCredential,
      viewReadCredential: v.readCredential,
    },
    openedNodeRecord: fromUtf8(await open(key, input.nodeRecord, ctx)),
    refusesAlteredRecord: await refused(open(key, altered, ctx)),
    refusesMovedRecord: await refused(open(key, input.nodeRecord, contexts.event(input.session, input.seq + 1))),
    browserRecord: await seal(key, utf8(input.text), ctx),
    unwrapped: unwrapped.map((k) => ({ epoch: k.epoch, key: toBase64url(k.raw) })),
    browserEnvelope: await wrapKeys(c.wrapKey, unwrapped, input.session, input.url),
    proof: await prove(c.proofKey, input.fields),
    verifiesNodeProof: await verifyProof(c.proofKey, input.fields, input.nodeProof),
    refusesOtherFields: !(await verifyProof(c.proofKey, { ...input.fields, kind: 'deny' }, input.nodeProof)),
  };
}

export type E2eOutput = Awaited<ReturnType<typeof rcdE2e>>;

(globalThis as unknown as { rcdE2e: typeof rcdE2e }).rcdE2e = rcdE2e;

// Content-key epochs on the daemon's side of the link: the envelope of a URL wraps the epochs there were when it was
// issued — all of them, so a new URL reads the history, and nothing begun after it, so an old one opens nothing new;
// the uploader seals with the newest epoch as soon as it begins; sealed instructions open with any epoch.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { toBase64url } from '../../src/e2e/encoding.js';
import type { Bytes } from '../../src/e2e/webcrypto.js';
import { sealInstruction } from '../../src/e2e/instructions.js';
import { controlKeys, randomSecret } from '../../src/e2e/keys.js';
import { unwrapKeys } from '../../src/e2e/envelope.js';
import { EventOpener, SESSION_URL_ENVELOPE } from '../../src/e2e/records.js';
import { OpenFailed } from '../../src/e2e/seal.js';
import { MAX_ENVELOPE_EPOCHS, relayAccess } from '../../src/link/access.js';
import type { RelayHttp } from '../../src/link/http.js';
import { openSealed, REPLACED_KEY_GRACE_MS, REPLAYED } from '../../src/link/sealed-instruction.js';
import { sealEventSync } from '../../src/e2e/node-sync.js';
import { Uploader } from '../../src/link/uploader.js';
import { PutSessionRequest, type RelayEvent } from '../../src/protocol/relay.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EventStore } from '../../src/store/events.js';
import { LinkStore } from '../../src/store/link-store.js';
import { SessionStore } from '../../src/store/sessions.js';
import { sessionView } from '../helpers/relay-client.js';

const S = '0123456789abcdef';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A new control URL recorded as `rcd url` does; returns its secret. */
async function issue(store: LinkStore): Promise<Bytes> {
  const secret = randomSecret();
  const k = await controlKeys(secret);
  store.setAccess(S, { token: toBase64url(secret), tokenHash: sha(k.steerCredential), readHash: sha(k.readCredential), expiresAt: null, revokedAt: null });
  return secret;
}

/** What the holder of a URL opens with: the envelope the relay was given for it. */
async function openerOfUrl(store: LinkStore, secret: Bytes): Promise<EventOpener> {
  const access = await relayAccess(store, S, store.access(S));
  assert.ok(access);
  return EventOpener.forUrl({ scope: 'control', secret, sessionId: S, device: null }, access.envelope);
}

/** An uploader whose relay takes every batch whole; `sent` is what it got, in order. */
function uploaderToRelay(store: LinkStore): { sent: RelayEvent[]; uploader: Uploader } {
  const sent: RelayEvent[] = [];
  const http = {
    call: (_method: string, _path: string, body: { sessions: { id: string; events: RelayEvent[] }[] }) => {
      const [s] = body.sessions as [{ id: string; events: RelayEvent[] }];
      sent.push(...s.events);
      return Promise.resolve({ acked: { [s.id]: s.events.at(-1)?.seq ?? 0 } });
    },
  } as unknown as RelayHttp;
  return { sent, uploader: new Uploader(store, http, 1000, pino({ level: 'silent' })) };
}

const epochOf = (e: RelayEvent) => Number(e.data.slice(0, e.data.indexOf('.')));

describe('content-key epochs through the link', () => {
  let dir: string;
  let db: Db;
  let store: LinkStore;
  let events: EventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-epochs-'));
    db = openDatabase(join(dir, 'rcd.db'));
    store = new LinkStore(db);
    events = new EventStore(db);
    new SessionStore(db).insert({ id: S, name: 's', cwd: '/w', agent: 'generic', command: ['x'], env: {}, restartPolicy: 'no', state: 'running', createdAt: new Date().toISOString() });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the uploader seals with the new epoch after a rotation; the old URL opens none of it, the new one all', async () => {
    const { sent, uploader } = uploaderToRelay(store);
    const upload = () => uploader.uploadAll([S], new AbortController().signal);

    const oldUrl = await issue(store);
    events.appendState(S, { n: 1 });
    events.appendState(S, { n: 2 });
    await upload();
    const oldOpener = await openerOfUrl(store, oldUrl); // as the relay held it before the rotation
    const newUrl = await issue(store);
    events.appendState(S, { n: 3 });
    await upload();

    assert.deepEqual(sent.map(epochOf), [1, 1, 2]);
    const [one, , three] = sent as [RelayEvent, RelayEvent, RelayEvent];
    assert.deepEqual(JSON.parse(EventOpener.text((await oldOpener.read(one)).data)), { n: 1 });
    await assert.rejects(oldOpener.read(three), OpenFailed, 'the old URL opens nothing sealed after the rotation');
    const newOpener = await openerOfUrl(store, newUrl);
    const opened = await Promise.all(sent.map(async (e) => JSON.parse(EventOpener.text((await newOpener.read(e)).data)) as unknown));
    assert.deepEqual(opened, [{ n: 1 }, { n: 2 }, { n: 3 }], 'the new URL reads the whole history');
  });

  it('each epoch seals its own range of seqs: a backlog from before a rotation keeps the old epoch; a key sealing outside its range is refused', async () => {
    const { sent, uploader } = uploaderToRelay(store);
    await issue(store);
    store.contentKey(S);
    events.appendState(S, { n: 1 });
    events.appendState(S, { n: 2 }); // stored before the rotation, uploaded after
    const newUrl = await issue(store);
    events.appendState(S, { n: 3 });
    await uploader.uploadAll([S], new AbortController().signal);
    assert.deepEqual(sent.map(epochOf), [1, 1, 2]);
    assert.deepEqual(store.contentKeys(S).map((k) => k.from), [1, 3]);
    const opener = await openerOfUrl(store, newUrl);
    for (const e of sent) await opener.read(e);
    // The old key (which the replaced URL holds) sealing seq 3, or the new one sealing seq 2: neither is taken.
    const [k1, k2] = store.contentKeys(S).map((k) => ({ epoch: k.epoch, raw: new Uint8Array(Buffer.from(k.key, 'base64url')) })) as [{ epoch: number; raw: Uint8Array }, { epoch: number; raw: Uint8Array }];
    await assert.rejects(opener.open(3, sealEventSync(k1, S, 3, 'output', Buffer.from('forged'))), OpenFailed);
    await assert.rejects(opener.open(2, sealEventSync(k2, S, 2, 'output', Buffer.from('forged'))), OpenFailed);
    assert.equal(Buffer.from((await opener.open(3, sealEventSync(k2, S, 3, 'output', Buffer.from('ok')))).data).toString(), 'ok');
  });

  it('an instruction sealed under a key replaced over a minute ago is refused (its sender holds keys from before a rotation)', async () => {
    const first = await issue(store);
    const oldEnvelope = await openerOfUrl(store, first);
    const secret = await issue(store); // epoch 2 begins; epoch 1 replaced now
    db.prepare('UPDATE session_keys SET replaced_at = ? WHERE session_id = ? AND epoch = 1').run(new Date(Date.now() - REPLACED_KEY_GRACE_MS - 1000).toISOString(), S);
    const payload = await sealInstruction(secret, oldEnvelope, S, { kind: 'prompt', text: 'late' });
    const i = { id: 'late-1', sessionId: S, kind: 'sealed', payload: { ...payload }, via: null };
    store.storeInstructions([i]);
    const r = await openSealed(store, i, store.access(S)?.token ?? '');
    assert.ok('refused' in r && /replaced since/.test(r.refused), JSON.stringify(r));
  });

  it('an access read before a rotation never goes up with an envelope holding the new epoch under the old URL\'s key', async () => {
    const old = await issue(store);
    store.contentKey(S);
    const stale = store.access(S); // as the link reads it before sealing the view (an await) and then relayAccess
    const fresh = await issue(store); // epoch 2 begins meanwhile
    const access = await relayAccess(store, S, stale);
    assert.ok(access);
    assert.equal(access.tokenHash, store.access(S)?.tokenHash, 'the access there is now goes up');
    await assert.rejects(unwrapKeys((await controlKeys(old)).wrapKey, access.envelope, S, SESSION_URL_ENVELOPE), OpenFailed);
    const keys = await unwrapKeys((await controlKeys(fresh)).wrapKey, access.envelope, S, SESSION_URL_ENVELOPE);
    assert.deepEqual(keys.map((k) => k.epoch), [1, 2]);
    store.setAccess(S, { token: null, tokenHash: null, readHash: null, expiresAt: null, revokedAt: new Date().toISOString() });
    assert.equal(await relayAccess(store, S, stale), null, 'revoked since: no envelope at all');
  });

  it('an envelope carries the newest epochs, and fits what the relay takes after many rotations', async () => {
    let secret = await issue(store);
    store.contentKey(S);
    for (let i = 0; i < 199; i++) secret = await issue(store);
    assert.equal(store.contentKeys(S).length, 200);
    const access = await relayAccess(store, S, store.access(S));
    assert.ok(access);
    assert.ok(PutSessionRequest.safeParse({ session: sessionView(S), access }).success, `an envelope of ${access.envelope.length} characters`);
    const keys = await unwrapKeys((await controlKeys(secret)).wrapKey, access.envelope, S, SESSION_URL_ENVELOPE);
    assert.deepEqual(keys.map((k) => k.epoch), Array.from({ length: MAX_ENVELOPE_EPOCHS }, (_, i) => 200 - MAX_ENVELOPE_EPOCHS + 1 + i));
  });

  it('a sealed instruction opens with any epoch, with the new one at once after a rotation, and a replay is refused', async () => {
    const received = async (id: string, secret: Bytes, keys: EventOpener, nonce?: string) => {
      const payload = { ...(await sealInstruction(secret, keys, S, { kind: 'prompt', text: id })), ...(nonce ? { nonce } : {}) };
      const i = { id, sessionId: S, kind: 'sealed', payload, via: null };
      store.storeInstructions([i]);
      return openSealed(store, i, store.access(S)?.token ?? '');
    };
    const textOf = (r: Awaited<ReturnType<typeof openSealed>>) => ('body' in r && r.body.kind === 'prompt' ? r.body.text : r);
    const first = await issue(store);
    assert.equal(textOf(await received('before', first, await openerOfUrl(store, first))), 'before'); // opener of epoch 1 cached
    const oldEnvelope = await openerOfUrl(store, first);
    const secret = await issue(store); // epoch 2 begins
    assert.equal(textOf(await received('new epoch', secret, await openerOfUrl(store, secret))), 'new epoch');
    assert.equal(textOf(await received('old epoch', secret, oldEnvelope)), 'old epoch', 'sealed with the key of the envelope before the rotation');
    const nonce = (store.claimNext()?.payload.nonce as string | undefined) ?? '';
    assert.ok(nonce);
    assert.deepEqual(await received('again', secret, oldEnvelope, nonce), { refused: REPLAYED });
  });
});

// Web Push end to end on 127.0.0.1: a browser's subscription (its own P-256 key and auth secret, as PushManager makes
// them) reaches the daemon through the device URL; when a claude session asks for approval, the daemon encrypts a
// notification for that browser (RFC 8291) and the relay signs (VAPID, RFC 8292) and posts it to a push-service
// stand-in, which checks the signature and decrypts it with the subscription's keys: it names the session and opens
// it. The relay never holds the text. A subscription the push service says is gone (410) is forgotten.
import assert from 'node:assert/strict';
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { waitFor } from '../helpers/harness.js';
import { useClaudeRelay } from '../helpers/claude-relay.js';
import { askDaemon, controlDevice } from '../../src/cli/commands/remote-start.js';
import { fromBase64url, toBase64url } from '../../src/e2e/encoding.js';

// http_ece is what web-push encrypts with; here it decrypts, as a browser would.
const ece = createRequire(import.meta.url)('http_ece') as { decrypt(body: Buffer, params: { version: string; privateKey: ECDH; authSecret: string }): Buffer };

interface Delivered { path: string; headers: IncomingMessage['headers']; body: Buffer }

/** A push service on 127.0.0.1: records what it is sent, answers 201, or 410 for paths in `gone`. */
async function pushService(): Promise<{ url: string; got: Delivered[]; gone: Set<string>; close(): Promise<void> }> {
  const got: Delivered[] = [];
  const gone = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(gone.has(req.url ?? '') ? 410 : 201).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, got, gone, close: () => new Promise((r) => server.close(() => r())) };
}

/** Checks a VAPID Authorization header (`vapid t=<JWT>, k=<public key>`) as a push service does; returns its claims. */
function checkVapid(header: string | undefined, audience: string): { k: string; claims: { aud: string; exp: number; sub: string } } {
  const m = /^vapid t=([^,]+),\s*k=(\S+)$/.exec(header ?? '');
  assert.ok(m, `a VAPID header: ${header}`);
  const [h, p, sig] = (m[1] as string).split('.') as [string, string, string];
  const raw = Buffer.from(fromBase64url(m[2] as string));
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: toBase64url(raw.subarray(1, 33)), y: toBase64url(raw.subarray(33, 65)) }, format: 'jwk' });
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(fromBase64url(sig))), 'the JWT is signed with the key it names');
  const claims = JSON.parse(Buffer.from(fromBase64url(p)).toString()) as { aud: string; exp: number; sub: string };
  assert.equal(claims.aud, audience);
  return { k: m[2] as string, claims };
}

describe('Web Push', () => {
  let service: Awaited<ReturnType<typeof pushService>>;
  const s = useClaudeRelay('rcd-push-', ['--push-hosts', '127.0.0.1']);
  let device = '';
  const browser = createECDH('prime256v1');
  browser.generateKeys();
  const auth = toBase64url(randomBytes(16));

  before(async () => {
    service = await pushService();
    await s.rcd.ok(['start', '--agent', 'claude', '--cwd', s.rcd.workdir('pushy'), '--name', 'pushy']);
    await waitFor(async () => (await s.rcd.status()).daemon.link.state === 'connected', 'the link to connect');
    device = (await s.rcd.ok(['url', '--device'])).trim();
  });
  after(async () => {
    await service.close();
  });

  const subscribe = async (path: string) => {
    const target = await controlDevice(device, 'subscribe');
    const subscription = { endpoint: `${service.url}${path}`, keys: { p256dh: toBase64url(browser.getPublicKey()), auth } };
    return (await askDaemon(target, { kind: 'push-subscribe', subscription }, 10_000)).result;
  };

  it('a subscribed browser gets an encrypted notification that names the session and opens it', async () => {
    assert.deepEqual(await subscribe('/push/phone'), { ok: true, subscribed: true });
    await s.rcd.ok(['send', 'pushy', 'run: echo notify-me']);
    const [d] = await waitFor(() => (service.got.length > 0 ? service.got : null), 'a notification at the push service');
    assert.ok(d);
    assert.equal(d.path, '/push/phone');
    assert.equal(d.headers['content-encoding'], 'aes128gcm');
    assert.equal(d.headers.urgency, 'high');
    assert.equal(Number(d.headers.ttl), 86400);
    const { k } = checkVapid(d.headers.authorization, service.url);
    const { publicKey } = (await (await fetch(`${s.relay.url}/api/push/key`)).json()) as { publicKey: string };
    assert.equal(k, publicKey, 'signed with the key browsers subscribe with');
    const payload = JSON.parse(ece.decrypt(d.body, { version: 'aes128gcm', privateKey: browser, authSecret: auth }).toString()) as { title: string; body: string; url: string; tag: string };
    const id = (await s.rcd.session('pushy')).id;
    assert.equal(payload.title, 'pushy asks for approval');
    assert.match(payload.body, /echo notify-me/);
    assert.equal(payload.tag, id);
    assert.ok(payload.url.startsWith(`${s.relay.url}/d/`) && payload.url.includes(`/s/${id}#c.`), 'it opens the session under the device URL');
    assert.equal(d.headers.topic, id);
  });

  it('the relay holds nothing of the notification in the clear', () => {
    for (const f of readdirSync(s.relay.dataDir)) {
      const bytes = readFileSync(join(s.relay.dataDir, f)).toString('latin1');
      for (const secret of ['notify-me', 'asks for approval', '/push/phone']) assert.ok(!bytes.includes(secret), `${f} holds ${secret}`);
    }
  });

  it('a subscription the push service says is gone is forgotten', async () => {
    service.gone.add('/push/phone');
    const before = service.got.length;
    await s.rcd.ok(['approve', 'pushy']);
    await s.rcd.ok(['send', 'pushy', 'run: echo again']);
    await waitFor(() => service.got.length > before, 'the next notification (answered 410)');
    const count = () => {
      const db = new Database(join(s.rcd.home, 'rcd.db'), { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM push_subscriptions').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    await waitFor(() => count() === 0, 'the daemon to forget the subscription');
  });
});

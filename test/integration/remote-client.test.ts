// `rcd remote` carries the credential derived from a session URL's key in every request, so it sends it over https,
// or plain http to this machine only (as the daemon's link), and never follows a redirect: a relay (or a proxy) that
// answers 3xx gets an error naming only where it pointed, and the place it pointed to gets nothing. The URL's key
// itself is never sent, nor echoed in an error. Real CLI processes, real servers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Rcd } from '../helpers/harness.js';

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A well-formed session URL at `origin` whose key is `key`. */
const sessionUrl = (origin: string, key: string) => `${origin}/s/${randomBytes(8).toString('hex')}#c.${key}`;
const newKey = () => randomBytes(32).toString('base64url');

const close = (server: Server) => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
});

describe('rcd remote: no token in the clear, no redirects', () => {
  it('refuses a plain-http session URL to another machine before sending anything (exit 2), naming only the origin', async () => {
    const rcd = new Rcd('rcd-remote-');
    try {
      const key = newKey();
      // .invalid never resolves (RFC 6761): a client that tried to connect would say so, not refuse.
      for (const origin of ['http://relay.invalid', 'http://10.0.0.1:8787', 'http://[2001:db8::1]']) {
        const url = sessionUrl(origin, key);
        for (const args of [['status', url], ['send', url, 'hi'], ['logs', url]]) {
          const r = await rcd.run(['remote', ...args]);
          assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, /^rcd: refusing to send this session URL's credential over plain http to [^\n]+; use its https:\/\/ URL[^\n]*\n$/);
          assert.ok(r.stderr.includes(new URL(origin).origin), r.stderr);
          assert.ok(!r.stderr.includes(key), 'the key is not echoed');
        }
      }
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('still talks plain http to a relay on this machine, sending a credential derived from the key, never the key', async () => {
    const rcd = new Rcd('rcd-remote-');
    let hits = 0;
    const paths: string[] = [];
    const key = newKey();
    const relay = await listen((req, res) => {
      paths.push(req.url ?? '');
      hits++;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'UNKNOWN_URL', message: 'unknown' } }));
    });
    try {
      const r = await rcd.run(['remote', 'status', sessionUrl(relay.origin.replace('127.0.0.1', 'localhost'), key)]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /does not know this URL/);
      assert.equal(hits, 1);
      assert.match(paths[0] ?? '', /^\/api\/s\/[A-Za-z0-9_-]{43}$/);
      assert.ok(!paths[0]?.includes(key), 'the key itself never leaves the client');
      // URLs of the older form (a token in the path, no key) and cut ones are refused before anything is sent.
      const old = await rcd.run(['remote', 'status', `${relay.origin}/s/${key}`]);
      assert.equal(old.code, 1);
      assert.match(old.stderr, /from an older rcd and no longer works/);
      const cut = await rcd.run(['remote', 'status', `${relay.origin}/s/${randomBytes(8).toString('hex')}#c.${key.slice(0, 20)}`]);
      assert.equal(cut.code, 2);
      assert.match(cut.stderr, /incomplete/);
      assert.equal(hits, 1);
    } finally {
      await close(relay.server);
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('does not follow a redirect: exit 1, only the target origin named, and the target gets nothing', async () => {
    const rcd = new Rcd('rcd-remote-');
    const key = newKey();
    const stolen: string[] = [];
    const elsewhere = await listen((req, res) => {
      stolen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    let status = 302;
    const relay = await listen((req, res) => {
      req.resume();
      res.writeHead(status, { location: `${elsewhere.origin}/collect?from=${encodeURIComponent(req.url ?? '')}` }).end();
    });
    try {
      for (const code of [301, 302, 307, 308]) {
        status = code;
        for (const [sub, ...extra] of [['status'], ['send', 'the prompt'], ['logs'], ['approve']] as [string, ...string[]][]) {
          const r = await rcd.run(['remote', sub, sessionUrl(relay.origin, key), ...extra]);
          assert.equal(r.code, 1, `${code} ${sub}: ${r.stderr}`);
          assert.match(r.stderr, new RegExp(`^rcd: the relay at ${relay.origin} answered ${code}, a redirect to ${elsewhere.origin}; rcd remote does not follow redirects[^\\n]*\\n$`));
          assert.ok(!r.stderr.includes(key), 'the key is not shown');
          assert.ok(!r.stderr.includes('/collect'), 'only the origin of the Location is shown');
        }
      }
      assert.deepEqual(stolen, [], 'nothing reached the redirect target');
    } finally {
      await close(relay.server);
      await close(elsewhere.server);
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

// The link's HTTP client (src/link/http.ts, node:http since issue #15 dropped undici) and its proxy rules
// (src/link/proxy.ts): NO_PROXY matching, calls through a CONNECT proxy on 127.0.0.1 with the pool kept across calls,
// a proxy's refusal, the deadline's own reason, and the relay's error body.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { RelayHttp } from '../../src/link/http.js';
import { bypassesProxy, proxyFor } from '../../src/link/proxy.js';

const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));

describe('link proxy rules', () => {
  it('matches NO_PROXY like curl: *, hosts with their subdomains, optional ports', () => {
    const u = new URL('https://relay.example.com');
    assert.equal(bypassesProxy(u, undefined), false);
    assert.equal(bypassesProxy(u, '*'), true);
    assert.equal(bypassesProxy(u, 'example.com'), true);
    assert.equal(bypassesProxy(u, '.example.com'), true);
    assert.equal(bypassesProxy(u, 'other.com, relay.example.com:443'), true);
    assert.equal(bypassesProxy(u, 'relay.example.com:8443'), false);
    assert.equal(bypassesProxy(u, 'ample.com'), false);
    assert.equal(bypassesProxy(new URL('http://[::1]:9/'), '::1'), true);
  });

  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, lower case too, and none past NO_PROXY', () => {
    const env = { https_proxy: 'proxy:3128', HTTP_PROXY: 'http://p2:8080', NO_PROXY: 'localhost' };
    assert.equal(proxyFor(new URL('https://relay.example.com'), env)?.href, 'http://proxy:3128/');
    assert.equal(proxyFor(new URL('http://127.0.0.1:9'), env)?.href, 'http://p2:8080/');
    assert.equal(proxyFor(new URL('http://localhost:9'), env), null);
    assert.equal(proxyFor(new URL('https://relay.example.com'), {}), null);
  });
});

describe('link HTTP client', () => {
  const relay = createServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    if (req.url?.startsWith('/limited')) {
      // Retry-After alone (whole seconds), or with the relay's exact retry-after-ms.
      const exact = req.url === '/limited-ms' ? { 'retry-after-ms': '120' } : {};
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1', ...exact });
      res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down' } }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/missing' ? { error: { code: 'NOT_FOUND', message: 'no such session' } } : { auth }));
  });
  const connects: string[] = [];
  // A CONNECT proxy: refuses port 9, tunnels anything else.
  const proxy = createServer();
  proxy.on('connect', (req, client: Socket) => {
    connects.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    if (port === '9') return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
  });
  let relayPort = 0;
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };

  before(async () => {
    relayPort = await listen(relay);
    process.env.HTTP_PROXY = `http://127.0.0.1:${await listen(proxy)}`;
    delete process.env.NO_PROXY;
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    relay.closeAllConnections();
    relay.close();
    proxy.closeAllConnections();
    proxy.close();
  });

  it('goes through the proxy in one tunnel for several calls; the proxy never sees the credential', async () => {
    const http = new RelayHttp(new URL(`http://127.0.0.1:${relayPort}`), () => 'secret');
    const schema = z.object({ auth: z.string() });
    assert.deepEqual(await http.call('GET', '/a', undefined, schema, { timeoutMs: 5000 }), { auth: 'Bearer secret' });
    assert.deepEqual(await http.call('POST', '/b', { x: 1 }, schema, { timeoutMs: 5000 }), { auth: 'Bearer secret' });
    assert.deepEqual(connects, [`127.0.0.1:${relayPort}`]);
    await http.close();
  });

  it('reports the relay error body and its wait (retry-after-ms over Retry-After), a proxy refusal, and the deadline as its own reason', async () => {
    const http = new RelayHttp(new URL(`http://127.0.0.1:${relayPort}`), () => null);
    await assert.rejects(http.call('GET', '/missing', undefined, null, { timeoutMs: 5000 }), { status: 404, code: 'NOT_FOUND' });
    await assert.rejects(http.call('GET', '/slow', undefined, null, { timeoutMs: 200 }), { code: 'ETIMEDOUT' });
    await assert.rejects(http.call('GET', '/limited', undefined, null, { timeoutMs: 5000 }), { status: 429, retryAfterMs: 1000 });
    await assert.rejects(http.call('GET', '/limited-ms', undefined, null, { timeoutMs: 5000 }), { status: 429, retryAfterMs: 120 }, 'the exact wait, not a whole second');
    await http.close();
    const refused = new RelayHttp(new URL('http://127.0.0.1:9'), () => null);
    await assert.rejects(refused.call('GET', '/', undefined, null, { timeoutMs: 5000 }), { code: 'EPROXY' });
    await refused.close();
  });
});

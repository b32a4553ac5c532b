// Which proxy, if any, the link reaches its relay through, and the CONNECT tunnel through it. Read from the
// environment as curl and undici's EnvHttpProxyAgent read it: HTTPS_PROXY (https_proxy) for an https relay,
// HTTP_PROXY (http_proxy) for an http one, NO_PROXY (no_proxy) naming hosts reached directly. Both go through a
// CONNECT tunnel (as undici's ProxyAgent does), so the proxy never sees a request or the credential in it.
import { request } from 'node:http';
import type { Socket } from 'node:net';

type Env = Record<string, string | undefined>;

const pick = (env: Env, name: string): string | undefined => env[name] ?? env[name.toLowerCase()] ?? undefined;

/**
 * NO_PROXY: `*` (everything), or a comma- or space-separated list of `host[:port]`, where a host also covers its
 * subdomains (`example.com` and `.example.com` both match `relay.example.com`).
 */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    // host, host:port, [v6]:port, or a bare IPv6 address (more than one colon: no port).
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry) ?? (entry.split(':').length > 2 ? [entry, entry] : null);
    if (!m) continue;
    const name = (m[1] as string).replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (m[2] && m[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The proxy for `target` from `env`, or null to connect directly. */
export function proxyFor(target: URL, env: Env = process.env): URL | null {
  const raw = target.protocol === 'https:' ? pick(env, 'HTTPS_PROXY') : pick(env, 'HTTP_PROXY');
  if (!raw || bypassesProxy(target, pick(env, 'NO_PROXY'))) return null;
  try {
    return new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    // Not echoed: a proxy URL may hold a password.
    throw new Error('HTTPS_PROXY/HTTP_PROXY is not a URL; it must look like http://proxy.example.com:3128');
  }
}

/** A raw socket to host:port through the proxy (CONNECT), or the proxy's refusal as an error. */
export function tunnel(proxy: URL, host: string, port: number, cb: (err: Error | null, socket?: Socket) => void): void {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = proxy.username
    ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` }
    : {};
  const req = request({
    host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port) || 80, method: 'CONNECT', path: authority,
    headers: { host: authority, ...auth }, agent: false,
  });
  req.once('connect', (res, socket) => {
    if (res.statusCode === 200) return cb(null, socket);
    socket.destroy();
    cb(Object.assign(new Error(`the proxy refused to connect to ${authority}: ${res.statusCode}`), { code: 'EPROXY' }));
  });
  req.once('error', (err) => cb(err));
  req.end();
}

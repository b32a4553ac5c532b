// Which hosts no other machine can reach: where plain http may carry a token or credential. One answer for the
// relay (what it may serve on), the daemon's link and `rcd remote` (what they may send a secret to).
import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    // The WHATWG URL parser writes an IPv6 literal in its shortest form (::1, ::ffff:7f00:1), whatever was typed.
    const canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    if (canonical === '::1') return true;
    const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(canonical);
    return mapped !== null && mapped[1]?.length === 4 && mapped[1].startsWith('7f');
  }
  return false;
}

/** True when a request to `url` would cross a network unencrypted: plain http to anything but loopback. */
export function isPlainHttpOffMachine(url: URL): boolean {
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

// Registration rate limiting: a token bucket per client address (IPv4 address, IPv6 /64), and how the client
// address is found (the socket's peer, or X-Forwarded-For from a trusted proxy on loopback). Memory only: a relay
// restart refills every bucket, which costs an attacker a restart they cannot cause.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

// Buckets kept at most; past this, full ones (nothing to remember) go first, then the least recently used, down to
// EVICT_TO at once so the sweep runs rarely. An attacker with that many addresses gets nothing from the eviction
// that the addresses themselves would not give them.
const MAX_BUCKETS = 100_000;
const EVICT_TO = 90_000;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * The address a limit is counted against: an IPv4 address as is (also when IPv4-mapped), an IPv6 address by its
 * /64, the smallest block a home or a server is given — one host can use every address in it.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * The client's address. With `trustProxy`, a connection from loopback (the operator's TLS proxy) is judged by the
 * last X-Forwarded-For entry: the address that proxy saw (entries before it are whatever the client wrote).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy || !LOOPBACK.test(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const last = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').pop()?.trim() ?? '';
  return isIP(last) ? last : peer;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(private readonly burst: number, perHour: number, private readonly now: () => number = Date.now) {
    this.perMs = perHour / 3_600_000;
  }

  /** Takes a token for `key`: 0 when there was one, otherwise the seconds until there is (for Retry-After). */
  take(key: string): number {
    const ms = this.takeMs(key);
    return ms === 0 ? 0 : Math.max(1, Math.ceil(ms / 1000));
  }

  /** As `take`, in whole milliseconds (at least 1 when refused). */
  takeMs(key: string): number {
    const t = this.now();
    const b = this.refilled(key, t);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.buckets.delete(key); // re-inserted: Map order is then least recently used first
      this.buckets.set(key, b);
      this.evict();
      return 0;
    }
    // Whole milliseconds first: the float division would otherwise turn 1800 s into 1801.
    return Math.max(1, Math.round((1 - b.tokens) / this.perMs));
  }

  private refilled(key: string, t: number): Bucket {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + (t - b.at) * this.perMs);
    b.at = t;
    return b;
  }

  private evict(): void {
    if (this.buckets.size <= MAX_BUCKETS) return;
    const t = this.now();
    for (const [key, b] of this.buckets) {
      if (Math.min(this.burst, b.tokens + (t - b.at) * this.perMs) >= this.burst) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= EVICT_TO) break;
      this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}

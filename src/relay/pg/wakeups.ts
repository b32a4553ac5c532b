// Wake-ups across relay instances through PostgreSQL's LISTEN/NOTIFY: a writer's notify (a prompt stored for daemon
// X, events acknowledged for session Y) reaches the instance that holds X's poll or Y's followers at once, with no
// table polled. One connection per instance listens; notifies go out batched (the keys of one event-loop turn in one
// NOTIFY, deduplicated) through the pool. PostgreSQL delivers a NOTIFY to its own sender's listener too: each payload
// names its instance, which skips its own (notifier.ts has woken its waiters already).
//
// While the listening connection is down, other instances' notifies are missed: it reconnects with backoff and then
// reports 'lost', and the notifier wakes every held request here to check again. A held request never misses news
// for longer than the reconnect takes, and at worst it waits out its hold (25 s), as on any relay.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { SharedWakeups } from '../stores.js';
import { clientConfig, type Pool } from './db.js';

export const WAKE_CHANNEL = 'rcd_relay_wake';
// NOTIFY payloads must stay under 8000 bytes.
const MAX_PAYLOAD = 7_000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

export class PgWakeups implements SharedWakeups {
  private readonly instance = randomBytes(6).toString('hex');
  private readonly listeners: ((keys: readonly string[] | 'lost') => void)[] = [];
  private pending = new Set<string>();
  private flushing = false;
  private client: pg.Client | null = null;
  private closed = false;
  private backoff = RECONNECT_MIN_MS;
  private retry: NodeJS.Timeout | null = null;
  /** Notifies sent and received (tests, benchmarks). */
  readonly stats = { sent: 0, received: 0, reconnects: 0 };

  private constructor(private readonly url: string, private readonly pool: Pool, private readonly log: Logger) {}

  /** Listens before it resolves: a relay serves requests only once it hears the other instances. */
  static async start(url: string, pool: Pool, log: Logger): Promise<PgWakeups> {
    const w = new PgWakeups(url, pool, log);
    await w.listen();
    return w;
  }

  onWake(listener: (keys: readonly string[] | 'lost') => void): void {
    this.listeners.push(listener);
  }

  notify(keys: readonly string[]): void {
    if (this.closed) return;
    for (const k of keys) this.pending.add(k);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const keys = [...this.pending];
    this.pending = new Set();
    this.flushing = false;
    const payloads: string[] = [];
    let cur = '';
    for (const k of keys) {
      if (cur.length + k.length + 1 > MAX_PAYLOAD) {
        payloads.push(cur);
        cur = '';
      }
      cur = cur ? `${cur},${k}` : k;
    }
    if (cur) payloads.push(cur);
    for (const p of payloads) {
      try {
        await this.pool.query({ name: 'rcd_notify', text: 'SELECT pg_notify($1, $2)', values: [WAKE_CHANNEL, `${this.instance}|${p}`] });
        this.stats.sent += 1;
      } catch (err) {
        // The other instances' held requests see the news when their hold ends (or the next notify): logged, not fatal.
        if (!this.closed) this.log.warn({ err }, 'could not send a wake-up to the other relay instances');
      }
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(clientConfig(this.url));
    client.on('notification', (m) => {
      if (m.channel !== WAKE_CHANNEL || !m.payload) return;
      const bar = m.payload.indexOf('|');
      if (bar < 0 || m.payload.slice(0, bar) === this.instance) return;
      this.stats.received += 1;
      const keys = m.payload.slice(bar + 1).split(',');
      for (const l of this.listeners) l(keys);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    await client.connect();
    await client.query(`LISTEN ${WAKE_CHANNEL}`);
    this.client = client;
    this.backoff = RECONNECT_MIN_MS;
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    this.log.warn({ err }, 'lost the wake-up channel to the other relay instances; reconnecting');
    this.reconnect();
  }

  private reconnect(): void {
    if (this.closed || this.retry) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.listen().then(
        () => {
          this.stats.reconnects += 1;
          this.log.info('wake-up channel to the other relay instances is back');
          for (const l of this.listeners) l('lost');
        },
        (err: unknown) => {
          this.log.warn({ err }, 'reconnecting the wake-up channel failed');
          this.reconnect();
        },
      );
    }, wait);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners('end');
      c.removeAllListeners('error');
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  }
}

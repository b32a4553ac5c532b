// Web Push subscriptions (table push_subscriptions, migration 13): where the daemon sends notifications for a person.
import type { Db } from './db.js';

export interface PushSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

// Browsers a person installs the app in: a handful. More are refused, so a leaked device URL cannot grow the table.
export const MAX_SUBSCRIPTIONS = 32;

export class PushSubscriptionStore {
  constructor(private readonly db: Db) {}

  list(): PushSubscription[] {
    return this.db.prepare<[], PushSubscription>('SELECT endpoint, p256dh, auth FROM push_subscriptions ORDER BY created_at').all();
  }

  /** Adds or renews one; false when MAX_SUBSCRIPTIONS others exist. */
  add(s: PushSubscription): boolean {
    return this.db.transaction(() => {
      const known = this.db.prepare('SELECT 1 FROM push_subscriptions WHERE endpoint = ?').get(s.endpoint) !== undefined;
      const n = (this.db.prepare('SELECT COUNT(*) AS n FROM push_subscriptions').get() as { n: number }).n;
      if (!known && n >= MAX_SUBSCRIPTIONS) return false;
      this.db.prepare(
        `INSERT INTO push_subscriptions (endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
      ).run(s.endpoint, s.p256dh, s.auth, new Date().toISOString());
      return true;
    }).immediate();
  }

  remove(endpoint: string): boolean {
    return this.db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ?').run(endpoint).changes > 0;
  }
}

// Web Push to installed web apps: when a session needs a person (an approval, a question, a plan) or fails, each
// subscribed browser gets a notification encrypted for it here (RFC 8291 aes128gcm, with the keys it subscribed
// with), which the relay only signs and delivers (src/relay/push.ts). The notification opens the session: it carries
// the session's address under the device URL, key included — readable only by that browser, as the key is.
// Subscriptions come through the device URL (a sealed instruction, src/daemon/remote/remote-access.ts).
import { toBase64url } from '../../e2e/encoding.js';
import type { AgentControls } from '../../agents/controls.js';
import type { AgentNews } from '../../agents/control.js';
import type { OutgoingPush } from '../../link/link.js';
import type { PushSubscriptionStore } from '../../store/push-subscriptions.js';
import type { SessionRecord } from '../../store/sessions.js';
import type { Supervisor } from '../sessions/supervisor.js';
import type { Logger } from 'pino';
import type webpushModule from 'web-push';

type WebPush = typeof webpushModule;

export interface PushDeps {
  subscriptions: PushSubscriptionStore;
  controls: AgentControls;
  supervisor: Supervisor;
  get(id: string): SessionRecord | undefined;
  /** The session's address under the device URL (key after #), or null when no device URL is live. */
  sessionUrl(id: string): string | null;
  send(p: OutgoingPush): void;
  log: Logger;
}

/** What a notification shows (the service worker reads it; src/web/sw.ts). */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  /** One notification per session: a newer one replaces the older. */
  tag: string;
}

// A person's request stays worth a notification for a day; a push service keeps it that long for an offline phone.
const TTL_S = 24 * 3600;
// The first line of a request, as a lock screen shows it.
const MAX_BODY_CHARS = 160;

const WHAT: Record<string, string> = { question: 'has a question', plan: 'has a plan for you to review' };

export function wirePush(d: PushDeps): void {
  d.controls.on('news', (id: string, n: AgentNews) => {
    if (n.type !== 'request') return;
    const s = d.get(id);
    if (!s) return;
    const first = n.text.split('\n')[0] ?? '';
    notify(d, s, { title: `${s.name} ${WHAT[n.kind] ?? 'asks for approval'}`, body: first.length > MAX_BODY_CHARS ? `${first.slice(0, MAX_BODY_CHARS - 1)}…` : first }, 'high');
  });
  const last = new Map<string, string>(d.supervisor.list().map((s) => [s.id, s.state]));
  d.supervisor.on('state', (id: string) => {
    const s = d.get(id);
    if (!s) return;
    const before = last.get(id);
    last.set(id, s.state);
    if (s.state === 'failed' && before !== 'failed') notify(d, s, { title: `${s.name} failed`, body: s.reason ?? '' }, 'normal');
  });
  d.supervisor.on('removed', (id: string) => last.delete(id));
}

function notify(d: PushDeps, s: SessionRecord, text: { title: string; body: string }, urgency: OutgoingPush['urgency']): void {
  const subs = d.subscriptions.list();
  if (subs.length === 0) return;
  const url = d.sessionUrl(s.id);
  if (!url) return; // no live device URL: nothing could open the session, and nothing is sent
  // Loaded only once somebody subscribed: its crypto and JWT dependencies cost a daemon without any memory.
  void import('web-push').then(({ default: webpush }) => send(d, webpush, subs, { ...text, url, tag: s.id }, s.id, urgency))
    .catch((err: unknown) => d.log.warn({ error: (err as Error).message }, 'could not prepare a notification'));
}

function send(
  d: PushDeps, webpush: WebPush, subs: ReturnType<PushSubscriptionStore['list']>, payload: PushPayload, topic: string,
  urgency: OutgoingPush['urgency'],
): void {
  for (const sub of subs) {
    let body: Buffer;
    try {
      body = webpush.encrypt(sub.p256dh, sub.auth, JSON.stringify(payload), 'aes128gcm').cipherText;
    } catch (err) {
      d.log.warn({ error: (err as Error).message }, 'a push subscription\'s keys do not work; forgetting it');
      d.subscriptions.remove(sub.endpoint);
      continue;
    }
    d.send({
      endpoint: sub.endpoint, body: toBase64url(new Uint8Array(body)), ttl: TTL_S, urgency, topic,
      gone: () => {
        if (d.subscriptions.remove(sub.endpoint)) d.log.info('a push subscription is gone (the browser unsubscribed); forgotten');
      },
    });
  }
}

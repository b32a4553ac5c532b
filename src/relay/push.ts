// Web Push from the relay (RFC 8030 delivery, RFC 8292 VAPID): the daemon encrypts each notification for the
// browser (RFC 8291, src/daemon/remote/push.ts) and hands the relay the ciphertext and the subscription's endpoint;
// the relay adds only the Web Push layer — its VAPID signature — and POSTs it. It never sees a notification's text.
// The relay's VAPID key pair is made once and kept in <data>/vapid.json (0600): browsers subscribe with its public
// key, and a new key would invalidate every subscription. Endpoints are limited to known push services
// (`--push-hosts`), so a registered daemon cannot make the relay POST anywhere it likes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { isLoopbackHost } from '../common/loopback.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** The push services of the browsers in use (Chrome/Edge/Android, Firefox, Safari, Windows): hosts and their subdomains. */
export const DEFAULT_PUSH_HOSTS = ['fcm.googleapis.com', 'push.services.mozilla.com', 'push.apple.com', 'notify.windows.com'];

// What a push service is asked to keep a notification for when the browser is offline: a request for a person is
// worth a day; past that the session page says it anyway.
export const MAX_TTL_S = 24 * 3600;
const SEND_TIMEOUT_MS = 10_000;

export function newVapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys();
}

export function loadVapidKeys(dataDir: string): VapidKeys {
  const file = join(dataDir, 'vapid.json');
  try {
    const k = JSON.parse(readFileSync(file, 'utf8')) as Partial<VapidKeys>;
    if (typeof k.publicKey === 'string' && typeof k.privateKey === 'string') return { publicKey: k.publicKey, privateKey: k.privateKey };
  } catch {
    // none yet (or unreadable): made below
  }
  const keys = newVapidKeys();
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

/** Why an endpoint is not one this relay POSTs to, or null. Loopback http only when the host list names it (tests). */
export function endpointProblem(endpoint: string, hosts: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'the endpoint is not a URL';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const listed = hosts.some((h) => host === h || host.endsWith(`.${h}`));
  if (!listed) return `${host} is not a push service this relay delivers to (--push-hosts)`;
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(host))) return null;
  return 'a push endpoint is https';
}

export interface PushMessage {
  endpoint: string;
  /** The RFC 8291 aes128gcm body, as the daemon made it. */
  body: Buffer;
  ttl: number;
  urgency: 'very-low' | 'low' | 'normal' | 'high';
  topic?: string;
}

/** POSTs one notification; resolves to the push service's status (201: taken; 404/410: the subscription is gone). */
export async function deliver(keys: VapidKeys, subject: string, m: PushMessage): Promise<number> {
  const audience = new URL(m.endpoint).origin;
  const vapid = webpush.getVapidHeaders(audience, subject, keys.publicKey, keys.privateKey, 'aes128gcm');
  const res = await fetch(m.endpoint, {
    method: 'POST',
    headers: {
      ...vapid,
      'content-type': 'application/octet-stream',
      'content-encoding': 'aes128gcm',
      ttl: String(Math.min(m.ttl, MAX_TTL_S)),
      urgency: m.urgency,
      ...(m.topic ? { topic: m.topic } : {}),
    },
    body: m.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  await res.body?.cancel();
  return res.status;
}

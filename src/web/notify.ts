// "Notify me" on the device page (control URL): this browser subscribes to Web Push with the relay's VAPID key
// (GET /api/push/key, docs/relay-protocol.md "Web Push") and hands the subscription to the daemon itself through the
// device URL (the sealed `push-subscribe` instruction, device-api.ts): its endpoint and keys go to the daemon, not
// the relay, and the daemon encrypts each notification for this browser (src/daemon/remote/push.ts); the service
// worker shows it (sw.ts). "Stop notifications" tells the daemon (`push-unsubscribe`) and drops the subscription.
import type { DeviceUrl } from '../e2e/url.js';
import { askDaemon } from './device-api.js';
import type { DevicePage } from './device-page.js';
import { clean } from './text.js';

const WAIT_MS = 20_000;
const ON = 'This browser is notified when a session needs you or fails.';
const OFF = 'Notifications are off in this browser.';

/** The worker's registration (session.ts registers it on every page); registered here if it is not yet. */
async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register('/sw.js');
  return navigator.serviceWorker.ready;
}

/** The relay's VAPID public key, base64url (which PushManager.subscribe takes as it is). */
async function relayKey(): Promise<string> {
  const res = await fetch('/api/push/key', { cache: 'no-store' });
  const body = (await res.json().catch(() => null)) as { publicKey?: unknown } | null;
  if (!res.ok || typeof body?.publicKey !== 'string') throw new Error('the relay did not give its notification key');
  return body.publicKey;
}

/** Why subscribing failed, for the person: a denied permission is theirs to change; anything else, the browser's. */
function subscribeProblem(err: unknown): string {
  if (typeof Notification !== 'undefined' && Notification.permission === 'denied') {
    return 'Notifications are blocked for this site: allow them in the browser\'s site settings, then try again.';
  }
  const e = err as Error;
  return `This browser could not subscribe to notifications (${e.name}: ${e.message}).`;
}

export async function wireNotify(p: DevicePage, d: DeviceUrl): Promise<void> {
  p.notify.hidden = false;
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    // iOS offers Web Push only to a page added to the Home Screen.
    p.notifyState.textContent = 'This browser offers no notifications to this page (on an iPhone: add it to the Home Screen, then open it from there).';
    p.notifyOn.hidden = true;
    return;
  }
  const show = (subscribed: boolean, text: string) => {
    p.notifyState.textContent = clean(text);
    p.notifyOn.hidden = subscribed;
    p.notifyOff.hidden = !subscribed;
    p.notifyOn.disabled = false;
    p.notifyOff.disabled = false;
  };
  const current = async () => (await navigator.serviceWorker.getRegistration('/'))?.pushManager.getSubscription() ?? null;
  try {
    show((await current()) !== null, (await current()) ? ON : OFF);
  } catch {
    show(false, OFF);
  }

  p.notifyOn.addEventListener('click', () => void (async () => {
    p.notifyOn.disabled = true;
    p.notifyState.textContent = 'Subscribing…';
    let sub: PushSubscription;
    try {
      const reg = await registration();
      const key = await relayKey();
      sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch (err) {
      show(false, subscribeProblem(err));
      return;
    }
    const json = sub.toJSON();
    const subscription = { endpoint: sub.endpoint, keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' } };
    try {
      const { result } = await askDaemon(d, { kind: 'push-subscribe', subscription }, WAIT_MS);
      if (!result) show(true, 'Subscribed; the daemon is offline and takes this browser on when it is back.');
      else if (!result.ok) {
        await sub.unsubscribe();
        show(false, `The daemon refused: ${result.error}`);
      } else show(true, ON);
    } catch (err) {
      await sub.unsubscribe().catch(() => false);
      show(false, `Not subscribed: ${(err as Error).message}`);
    }
  })());

  p.notifyOff.addEventListener('click', () => void (async () => {
    p.notifyOff.disabled = true;
    p.notifyState.textContent = 'Stopping…';
    const sub = await current().catch(() => null);
    if (!sub) return show(false, OFF);
    let told = '';
    try {
      const { result } = await askDaemon(d, { kind: 'push-unsubscribe', endpoint: sub.endpoint }, WAIT_MS);
      if (!result) told = ' (the daemon is offline; it forgets this browser when it is back, or at its first notification)';
    } catch {
      told = ' (the daemon was not told; it forgets this browser at its first notification)';
    }
    // Dropped here whatever the daemon said: the push service then refuses the daemon's next notification, and the
    // daemon forgets a subscription refused so (src/daemon/remote/push.ts).
    await sub.unsubscribe().catch(() => false);
    show(false, `${OFF}${told}`);
  })());
}

// The web app's service worker (`/sw.js`, served by src/relay/pages/app-files.ts): it keeps the page's shell so an
// installed app starts without a network, and shows the notifications the daemon sends (src/daemon/remote/push.ts).
// It caches only what the relay serves to anyone: the HTML shells of /s/ and /d/ pages — which hold nothing of a
// session, since the key is after # and the script reads the session itself (src/relay/pages/session-page.ts) — and
// the manifest and icons. Never an /api/ answer, never anything decrypted: requests it does not name go to the
// network untouched.
const sw = self as unknown as ServiceWorkerGlobalScope;

// A new version of the shell replaces the cache whole (activate deletes the others).
const CACHE = 'rcd-shell-1';
const ASSETS = ['/manifest.webmanifest', '/icon.svg', '/icon-192.png', '/icon-512.png'];
const ID = '[0-9a-f]{16}';

/**
 * The cache key of the shell a navigation gets: one copy per kind of page, since the relay answers every id of a
 * kind with the same shell (each with its own CSP nonce, which the cached copy keeps with its own header).
 */
function shellKey(path: string): string | null {
  if (new RegExp(`^/s/${ID}$`).test(path)) return '/.shell/session';
  if (new RegExp(`^/d/${ID}$`).test(path)) return '/.shell/device';
  if (new RegExp(`^/d/${ID}/s/${ID}$`).test(path)) return '/.shell/device-session';
  return null;
}

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await sw.clients.claim();
  })());
});

/** The network's answer, kept under `key` when it is a whole 200 from the relay; the kept copy when offline. */
async function networkFirst(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.status === 200 && res.type === 'basic') await cache.put(key, res.clone());
    return res;
  } catch (err) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw err;
  }
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  const shell = request.mode === 'navigate' ? shellKey(url.pathname) : null;
  if (shell) event.respondWith(networkFirst(request, shell));
  else if (ASSETS.includes(url.pathname)) event.respondWith(networkFirst(request, url.pathname));
  // Anything else, /api/ above all, is not touched: the browser fetches it as if there were no worker.
});

/** What the daemon encrypts for this browser (src/daemon/remote/push.ts PushPayload); the push service decrypted it. */
interface Payload {
  title: string;
  body: string;
  url: string;
  tag: string;
}

function readPayload(data: PushMessageData | null): Payload | null {
  try {
    const p = data?.json() as Partial<Payload> | undefined;
    if (!p || typeof p.title !== 'string') return null;
    return { title: p.title, body: typeof p.body === 'string' ? p.body : '', url: typeof p.url === 'string' ? p.url : '', tag: typeof p.tag === 'string' ? p.tag : '' };
  } catch {
    return null;
  }
}

sw.addEventListener('push', (event) => {
  // A subscription made with userVisibleOnly must show something for every push, even one it cannot read.
  const p = readPayload(event.data) ?? { title: 'rcd', body: 'A session needs you.', url: '/', tag: '' };
  event.waitUntil(sw.registration.showNotification(p.title, {
    body: p.body, icon: '/icon-192.png', data: { url: p.url }, ...(p.tag ? { tag: p.tag } : {}),
  }));
});

/** Only a web address is opened (the payload names the session under the device URL, key after #). */
function target(raw: unknown): string {
  try {
    const url = new URL(String(raw));
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '/';
  } catch {
    return '/';
  }
}

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = target((event.notification.data as { url?: unknown } | null)?.url);
  event.waitUntil((async () => {
    const open = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = open.find((c) => c.url === url);
    if (same) await same.focus();
    else await sw.clients.openWindow(url);
  })());
});

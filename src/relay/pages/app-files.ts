// What makes the session page an installable web app: the manifest, the icons and the service worker
// (src/web/sw.ts), all built by `npm run build` into dist/src/web (scripts/build-web.ts) and read once, when the
// relay starts (startRelay calls loadAppFiles, so a missing build fails there, as the page's script does). They are
// the same for everyone and hold nothing of any session.
import { readFileSync } from 'node:fs';
import { RcdError } from '../../common/errors.js';

// From dist/src/relay/pages/ (what `rcd relay` and the tests load) to dist/src/web/.
const WEB = new URL('../../web/', import.meta.url);

export interface AppFile {
  type: string;
  body: Buffer;
  /** A short lifetime: the worker and the manifest change with a new rcd and must be looked at again. */
  cache: string;
}

/**
 * The manifest. A start URL cannot carry a key (it is one fixed address for every device URL), so the app starts at
 * the relay's home page, which says so when opened as an installed app (src/relay/pages/status-page.ts); a
 * notification opens its session in the app with the key (src/web/sw.ts).
 */
export const MANIFEST = {
  name: 'rcd — coding agent sessions',
  short_name: 'rcd',
  description: 'Follow and steer the coding-agent sessions of your rcd daemons.',
  id: '/',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  background_color: '#fafafa',
  theme_color: '#2a6ed8',
  icons: [
    { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
  ],
};

let files: Map<string, AppFile> | undefined;

/** Reads the built files (once per process). Throws RcdError naming the file when one is missing. */
export function loadAppFiles(): Map<string, AppFile> {
  if (files) return files;
  const read = (name: string): Buffer => {
    const path = new URL(name, WEB);
    try {
      return readFileSync(path);
    } catch (err) {
      throw new RcdError('INTERNAL', `the web app's ${path.pathname} cannot be read (${(err as Error).message}); run npm run build`, { cause: err });
    }
  };
  const day = 'public, max-age=86400';
  files = new Map<string, AppFile>([
    ['/manifest.webmanifest', { type: 'application/manifest+json', body: Buffer.from(JSON.stringify(MANIFEST)), cache: 'no-cache' }],
    // no-cache: the browser asks the relay each time it checks for a new worker (a changed byte installs it).
    ['/sw.js', { type: 'text/javascript; charset=utf-8', body: read('sw.js'), cache: 'no-cache' }],
    ['/icon.svg', { type: 'image/svg+xml', body: read('icon.svg'), cache: day }],
    ['/icon-192.png', { type: 'image/png', body: read('icon-192.png'), cache: day }],
    ['/icon-512.png', { type: 'image/png', body: read('icon-512.png'), cache: day }],
  ]);
  return files;
}

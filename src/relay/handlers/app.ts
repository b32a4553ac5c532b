// `GET /manifest.webmanifest`, `/sw.js` and the icons (src/relay/pages/app-files.ts): the installable web app's
// files, static and public.
import type { Handler } from '../context.js';
import { HttpError } from '../http.js';
import { loadAppFiles } from '../pages/app-files.js';

export const appFile: Handler = async (_req, res, _ctx, _params, url) => {
  const file = loadAppFiles().get(url.pathname);
  if (!file) throw new HttpError(404, 'NOT_FOUND', 'no such endpoint; see docs/relay-protocol.md');
  res.writeHead(200, {
    'content-type': file.type, 'content-length': file.body.length, 'cache-control': file.cache, 'x-content-type-options': 'nosniff',
    // The SVG is drawn by the relay, but an image opened on its own is a document: it may run nothing.
    ...(file.type.startsWith('image/svg') ? { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" } : {}),
  });
  res.end(file.body);
};

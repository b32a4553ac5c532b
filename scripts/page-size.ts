// The session page's transfer size: the HTML the relay sends for `GET /s/<id>` (src/relay/pages/session-page.ts,
// with the bundled script inlined), raw and gzip -9, and the inlined script's share; the device page's (`GET
// /d/<daemon>`, the same script) and the service worker's too. Needs a build (`npm run build`);
// figures go in docs/benchmarks.md ("Web page size").
import { gzipSync } from 'node:zlib';
import { loadAppFiles } from '../src/relay/pages/app-files.js';
import { deviceShell, sessionShell } from '../src/relay/pages/session-page.js';
import { loadSessionScript } from '../src/relay/pages/session-script.js';

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB (${n} B)`;
const gz = (s: string): number => gzipSync(Buffer.from(s), { level: 9 }).length;
const html = sessionShell().html;
const script = loadSessionScript();
console.log(`session page HTML: ${kb(Buffer.byteLength(html))} raw, ${kb(gz(html))} gzip`);
console.log(`inlined script:    ${kb(Buffer.byteLength(script))} raw, ${kb(gz(script))} gzip`);
const device = deviceShell().html;
console.log(`device page HTML:  ${kb(Buffer.byteLength(device))} raw, ${kb(gz(device))} gzip`);
const sw = loadAppFiles().get('/sw.js')?.body.toString() ?? '';
console.log(`service worker:    ${kb(Buffer.byteLength(sw))} raw, ${kb(gz(sw))} gzip`);

// The session page's transfer size: the HTML the relay sends for `GET /s/<id>` (src/relay/pages/session-page.ts,
// with the bundled script inlined), raw and gzip -9, and the inlined script's share. Needs a build (`npm run build`);
// figures go in docs/benchmarks.md ("Web page size").
import { gzipSync } from 'node:zlib';
import { sessionShell } from '../src/relay/pages/session-page.js';
import { loadSessionScript } from '../src/relay/pages/session-script.js';

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB (${n} B)`;
const gz = (s: string): number => gzipSync(Buffer.from(s), { level: 9 }).length;
const html = sessionShell().html;
const script = loadSessionScript();
console.log(`session page HTML: ${kb(Buffer.byteLength(html))} raw, ${kb(gz(html))} gzip`);
console.log(`inlined script:    ${kb(Buffer.byteLength(script))} raw, ${kb(gz(script))} gzip`);

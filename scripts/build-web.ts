// Bundles the session page's script (src/web/session.ts) into dist/src/web/session.js, as `npm run build` runs it:
// esbuild, one minified IIFE for es2020. The relay inlines the bundle in a <script> element
// (src/relay/pages/session-script.ts), where `</script` or `<!--` would end the element or open a comment whatever
// the JavaScript means by them. esbuild escapes them in strings but not in regular expression literals, and marked
// (src/web/markdown.ts) has `/<!--…/`: so each `<` of them is written `\x3C` here, which means `<` in a string, a
// template and a regular expression alike. The result is parsed once (new Function) to make sure it still is code.
// It also bundles the service worker (src/web/sw.ts → dist/src/web/sw.js, served as a file, not inlined) and draws
// the web app's icons (scripts/icons.ts): the relay serves all three from dist/src/web (src/relay/pages/app-files.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { iconPng, iconSvg } from './icons.js';

const OUT = 'dist/src/web/session.js';
const result = await build({
  entryPoints: ['src/web/session.ts'], bundle: true, format: 'iife', target: 'es2020', minify: true, write: false, logLevel: 'warning',
});
const text = (result.outputFiles[0]?.text ?? '').replace(/<(!--|\/script)/gi, '\\x3C$1');
new Function(text); // throws on a syntax error: the rewrite hit something that was not a string or a pattern
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, text);

const sw = await build({ entryPoints: ['src/web/sw.ts'], bundle: true, format: 'iife', target: 'es2020', minify: true, write: false, logLevel: 'warning' });
writeFileSync('dist/src/web/sw.js', sw.outputFiles[0]?.text ?? '');
writeFileSync('dist/src/web/icon.svg', iconSvg());
for (const size of [192, 512]) writeFileSync(`dist/src/web/icon-${size}.png`, iconPng(size));

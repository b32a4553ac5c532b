// The session page's script: src/web, bundled by `npm run build` (esbuild, one minified IIFE) into
// dist/src/web/session.js, next to this module's compiled form in dist/src/relay/pages. It is read once, when the
// relay starts (startRelay calls loadSessionScript, so a missing build fails there, not on a visitor's request),
// and inlined into every session page under that response's CSP nonce (see ../README.md, "The session page").
import { readFileSync } from 'node:fs';
import { RcdError } from '../../common/errors.js';

// From dist/src/relay/pages/ (what `rcd relay` and the tests load) to dist/src/web/.
const BUNDLE = new URL('../../web/session.js', import.meta.url);

let script: string | undefined;

/** Reads the bundle (once per process). Throws RcdError naming the file when it is missing or unusable. */
export function loadSessionScript(): string {
  if (script !== undefined) return script;
  let text: string;
  try {
    text = readFileSync(BUNDLE, 'utf8');
  } catch (err) {
    throw new RcdError('INTERNAL', `the session page's script ${BUNDLE.pathname} cannot be read (${(err as Error).message}); run npm run build`, { cause: err });
  }
  // Inside <script>, these would end the element or open a comment whatever the JavaScript means by them;
  // esbuild escapes them in strings, and this check keeps it so.
  if (/<\/script|<!--/i.test(text)) throw new RcdError('INTERNAL', `${BUNDLE.pathname} contains </script or <!--: it cannot be inlined`);
  script = text.trim();
  return script;
}

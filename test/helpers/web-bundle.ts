// src/web's pure modules, bundled with esbuild (as `npm run build` bundles the page) and imported into a Node test:
// src/web is browser code outside the Node build. `entries` are paths under src/web; their exports are merged.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// From dist/test/helpers/ back to the sources.
const WEB = fileURLToPath(new URL('../../../src/web/', import.meta.url));

export async function importWeb<T>(entries: readonly string[]): Promise<T> {
  const out = await build({
    stdin: { contents: entries.map((e) => `export * from './${e}';`).join('\n'), resolveDir: WEB, loader: 'ts' },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2020', write: false, logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text ?? '';
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as T;
}

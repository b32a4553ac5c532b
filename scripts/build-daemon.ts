// Bundles the daemon (src/daemon/main.ts) into dist/rcd-daemon.cjs, as `npm run build` runs it: esbuild, one
// CommonJS file, better-sqlite3 (a native addon) and web-push (loaded only when a notification goes out) left in
// node_modules. `rcd daemon` (dist/rcd.cjs) requires it, so the CLI itself carries no daemon code.
//
// Every module the daemon loads stays in its memory for as long as it runs (issue #15: an idle daemon should cost a
// laptop next to nothing), so three parts of pino that the daemon can never reach are replaced with small stand-ins
// at build time. The daemon's log is a synchronous file destination (src/common/json-log.ts), never a transport:
//   - pino/lib/transport.js (with thread-stream under it) runs transports on a worker thread;
//   - `worker_threads`, which pino/lib/tools.js loads only to ask whether it runs on the main thread before starting
//     a transport for an asynchronous destination;
//   - `assert`, which sonic-boom (pino's destination) calls once, to check its file descriptor is a number.
// Together they loaded ~20 of Node's own modules (worker threads, assert's error formatting).
//
// And zod 3's schema constructor binds 24 of its methods to every instance (`this.parse = this.parse.bind(this)`,
// so that `arr.map(schema.parse)` works): ~1.2 KB for each of the daemon's ~740 schema objects, held for its whole
// life. The daemon always calls them as methods (`schema.parse(x)`), so its bundle's copy of zod does without the
// binding; the prototype methods are the same functions. Two more per-instance costs go the same way: the Standard
// Schema object (`~standard`, made on first use by a prototype getter instead) and each z.object()'s own
// never-matching catchall schema (one shared): 123 KB less live heap. Figures in docs/benchmarks.md, "Idle footprint".
import { readFile } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';

const STANDINS: { module: RegExp; importer: RegExp; contents: string }[] = [
  {
    module: /^\.\/transport$|^\.\/lib\/transport$/,
    importer: /node_modules\/pino\//,
    contents: "module.exports = function transport() { throw new Error('pino transports are not part of the rcd daemon (scripts/build-daemon.ts)'); };",
  },
  { module: /^(node:)?worker_threads$/, importer: /node_modules\/pino\//, contents: 'module.exports = { isMainThread: true };' },
  {
    module: /^(node:)?assert$/,
    importer: /node_modules\/sonic-boom\//,
    contents: "module.exports = function assert(value, message) { if (!value) throw new Error(message || 'assertion failed'); };",
  },
];

const standIns: Plugin = {
  name: 'rcd-daemon-stand-ins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const i = STANDINS.findIndex((s) => s.module.test(args.path) && s.importer.test(args.importer));
      return i === -1 ? undefined : { path: String(i), namespace: 'rcd-stand-in' };
    });
    b.onLoad({ filter: /.*/, namespace: 'rcd-stand-in' }, (args) => ({ contents: STANDINS[Number(args.path)]?.contents, loader: 'js' }));
  },
};

// `this.parse = this.parse.bind(this);` and its 23 siblings, in ZodType's constructor.
const ZOD_BIND = /^[ \t]*this\.(\w+) = this\.\1\.bind\(this\);\n/gm;
const ZOD_BINDS = 24;
// The Standard Schema object (`~standard`: an object and a closure) every constructor makes, for libraries that
// validate through that interface; the daemon never does. Made on first use instead, by a getter on the prototype.
const ZOD_STANDARD = /^[ \t]*this\["~standard"\] = \{\n[ \t]*version: 1,\n[ \t]*vendor: "zod",\n[ \t]*validate: \(data\) => this\["~validate"\]\(data\),\n[ \t]*\};\n/m;
const ZOD_STANDARD_GETTER = `
Object.defineProperty(ZodType.prototype, "~standard", {
    configurable: true,
    get() {
        const value = { version: 1, vendor: "zod", validate: (data) => this["~validate"](data) };
        Object.defineProperty(this, "~standard", { value, writable: true, configurable: true });
        return value;
    },
});
`;
// Each z.object() made its own never-matching catchall schema; one shared instance does (schemas are immutable).
const ZOD_CATCHALL = /catchall: ZodNever\.create\(\),/g;
const ZOD_CATCHALLS = 3;
const ZOD_SHARED_NEVER = '\nlet sharedNever;\nconst neverCatchall = () => (sharedNever ??= ZodNever.create());\n';
const zodDone = { binds: 0, standard: 0, catchalls: 0 };

const zodLean: Plugin = {
  name: 'rcd-daemon-zod-lean',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v3[\\/]types\.js$/ }, async (args) => {
      const text = (await readFile(args.path, 'utf8'))
        .replace(ZOD_BIND, () => (zodDone.binds++, ''))
        .replace(ZOD_STANDARD, () => (zodDone.standard++, ''))
        .replace(ZOD_CATCHALL, () => (zodDone.catchalls++, 'catchall: neverCatchall(),'));
      return { contents: `${text}${ZOD_STANDARD_GETTER}${ZOD_SHARED_NEVER}`, loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: ['src/daemon/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/rcd-daemon.cjs',
  external: ['better-sqlite3', 'web-push'],
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': 'importMetaUrl' },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [standIns, zodLean],
  metafile: true,
});
// A stand-in that matched nothing means pino or sonic-boom changed: the bundle would silently carry the real module.
const used = new Set(Object.keys(result.metafile.inputs).filter((f) => f.startsWith('rcd-stand-in:')).map((f) => f.slice('rcd-stand-in:'.length)));
const unused = STANDINS.map((_, i) => String(i)).filter((i) => !used.has(i));
if (unused.length > 0) throw new Error(`build-daemon: stand-in(s) ${unused.map((i) => STANDINS[Number(i)]?.module).join(', ')} matched no import; update scripts/build-daemon.ts`);
const zodExpected = { binds: ZOD_BINDS, standard: 1, catchalls: ZOD_CATCHALLS };
if (JSON.stringify(zodDone) !== JSON.stringify(zodExpected)) {
  throw new Error(`build-daemon: zod's ZodType changed (expected to rewrite ${JSON.stringify(zodExpected)}, rewrote ${JSON.stringify(zodDone)}): update scripts/build-daemon.ts`);
}

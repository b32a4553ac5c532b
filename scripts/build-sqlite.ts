// Rebuilds better-sqlite3's native addon against the SQLite rcd needs, as `npm run build` runs it. better-sqlite3
// compiles SQLite with every extension on (full-text search 3/4/5, R*Tree, Geopoly, dbstat, math functions,
// STAT4, ...), ~2.0 MB of machine code of which an idle daemon had ~1.5 MB resident; rcd's SQL uses none of them
// (nor does the relay's). The same SQLite source, with better-sqlite3's other options and none of those
// extensions, for size: ~0.8 MB of code, ~1.1 MB less resident memory in an idle daemon (docs/benchmarks.md, "Idle
// footprint"). The JSON functions are part of SQLite's core and stay.
//
// Optional by design, like the compiled agent wrapper: the addon is built in a copy of the package, self-tested
// in a separate node process, and only then renamed over the installed one. Any failure (no compiler, no Node
// headers, a test that fails) prints a note and leaves the stock addon as it was. A stamp beside the addon makes
// later builds a no-op until better-sqlite3, Node's ABI or these options change (`npm ci` and `npm rebuild` start
// from the stock addon again, and the next build redoes this). RCD_SQLITE=stock skips it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const PACKAGE = resolve('node_modules/better-sqlite3');
const ADDON = join(PACKAGE, 'build', 'Release', 'better_sqlite3.node');
const STAMP = join(PACKAGE, 'build', 'rcd-sqlite.json');
// Inside node_modules, so that the copy's `require('bindings')` resolves as the installed package's does.
const WORK = resolve('node_modules/.rcd-sqlite-build');

// better-sqlite3's own options (its deps/defines.gypi) minus the extensions; SQLITE_ENABLE_COLUMN_METADATA, which
// its C++ needs, is added by its build for any custom SQLite.
const OPTIONS = [
  'HAVE_USLEEP 1', 'SQLITE_DEFAULT_CACHE_SIZE -16000', 'SQLITE_DEFAULT_FOREIGN_KEYS 1', 'SQLITE_DEFAULT_MEMSTATUS 0',
  'SQLITE_DEFAULT_WAL_SYNCHRONOUS 1', 'SQLITE_DQS 0', 'SQLITE_LIKE_DOESNT_MATCH_BLOBS 1', 'SQLITE_OMIT_DEPRECATED 1',
  'SQLITE_OMIT_PROGRESS_CALLBACK 1', 'SQLITE_OMIT_SHARED_CACHE 1', 'SQLITE_OMIT_TCL_VARIABLE 1', 'SQLITE_THREADSAFE 2',
  'SQLITE_TRACE_SIZE_LIMIT 32', 'SQLITE_USE_URI 0',
];
const CFLAGS = '-Os';

const note = (msg: string) => process.stderr.write(`build-sqlite: ${msg}; better-sqlite3's own SQLite stays\n`);

function stampOf(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { version: string };
  const options = createHash('sha256').update(`${OPTIONS.join('\n')}\n${CFLAGS}`).digest('hex').slice(0, 16);
  return JSON.stringify({ betterSqlite3: pkg.version, abi: process.versions.modules, platform: process.platform, arch: process.arch, options });
}

/** node-gyp: the one npm runs this build with (npm sets npm_config_node_gyp for scripts), or npm's own. */
function nodeGyp(): string | null {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

/** Loads the built addon in a fresh node process and runs what rcd relies on; null when all is well. */
function selfTest(packageDir: string): string | null {
  const check = `
    const Database = require(${JSON.stringify(packageDir)});
    const db = new Database(':memory:');
    const options = db.pragma('compile_options', { simple: false }).map((r) => r.compile_options);
    if (options.some((o) => /ENABLE_FTS|ENABLE_RTREE|ENABLE_GEOPOLY/.test(o))) throw new Error('extensions still in: ' + options.join(' '));
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, doc TEXT); INSERT INTO t (doc) VALUES ('{\\"a\\":[1,2]}')");
    const row = db.prepare("SELECT json_extract(doc, '$.a[1]') AS v FROM t").get();
    if (row.v !== 2) throw new Error('json_extract gave ' + row.v);
    const meta = db.prepare('SELECT id, doc FROM t').columns();
    if (meta[0].table !== 't') throw new Error('no column metadata');
    db.close();
  `;
  const r = spawnSync(process.execPath, ['-e', check], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? null : (r.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? `exit ${r.status ?? r.signal}`);
}

function main(): void {
  if (process.env.RCD_SQLITE === 'stock') return;
  if (!existsSync(ADDON)) {
    note(`${ADDON} is not there (better-sqlite3 not installed or not built)`);
    return;
  }
  const stamp = stampOf();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp) return; // built already
  const gyp = nodeGyp();
  if (!gyp) {
    note('node-gyp was not found (run the build through npm: npm run build)');
    return;
  }
  process.stderr.write('build-sqlite: building better-sqlite3 against a SQLite without the extensions rcd does not use (~30 s, once)\n');
  rmSync(WORK, { recursive: true, force: true });
  try {
    const copy = join(WORK, 'better-sqlite3');
    cpSync(PACKAGE, copy, { recursive: true, filter: (src) => !src.startsWith(join(PACKAGE, 'build')) });
    const amalgamation = join(WORK, 'sqlite3');
    mkdirSync(amalgamation);
    const head = `/* rcd: better-sqlite3's options without the extensions (scripts/build-sqlite.ts) */\n${OPTIONS.map((o) => `#define ${o}\n`).join('')}`;
    writeFileSync(join(amalgamation, 'sqlite3.c'), head + readFileSync(join(PACKAGE, 'deps', 'sqlite3', 'sqlite3.c'), 'utf8'));
    cpSync(join(PACKAGE, 'deps', 'sqlite3', 'sqlite3.h'), join(amalgamation, 'sqlite3.h'));
    const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--sqlite3=${amalgamation}`], {
      cwd: copy, encoding: 'utf8', env: { ...process.env, CFLAGS: CFLAGS }, timeout: 600_000,
    });
    const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
    if (r.status !== 0 || !existsSync(built)) {
      note(`node-gyp failed: ${(r.error?.message ?? `${r.stdout}${r.stderr}`).trim().split('\n').filter((l) => /ERR!|error/.test(l)).slice(0, 3).join(' / ')}`);
      return;
    }
    const failed = selfTest(copy);
    if (failed) {
      note(`the built addon failed its self-test (${failed})`);
      return;
    }
    // Renamed over the installed addon: a daemon running on the old one keeps its mapped file.
    renameSync(built, ADDON);
    writeFileSync(STAMP, stamp);
  } finally {
    rmSync(WORK, { recursive: true, force: true });
  }
}

main();

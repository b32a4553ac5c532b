#!/usr/bin/env node
// The `rcd` entry point. It is bundled (esbuild) into one CommonJS file, dist/rcd.cjs: measured here, a single
// CJS file starts ~10 ms faster than an ESM bundle split into chunks (no ESM loader, no chunk fetches), which is a
// tenth of `rcd status`'s whole budget. Modules it imports lazily are only evaluated when used. `rcd daemon` loads
// the daemon's own CommonJS bundle, dist/rcd-daemon.cjs (better-sqlite3 left out: native), and `rcd relay` the
// relay from the compiled tree, at run time, so no daemon or relay code (SQLite, pino) is ever loaded by the CLI,
// and src/cli and src/daemon stay apart. Why the daemon is bundled: docs/benchmarks.md, issue #15 (with --jitless,
// 2 MB less than the compiled tree, whose ESM imports of CommonJS packages also run Node's WebAssembly lexer).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/main.js';
import { RELAY_HELP, USAGE } from '../cli/usage.js';

/** A bundle next to this one (dist/); computed at run time so the bundler leaves it out. */
const bundled = (file: string) => fileURLToPath(new URL(`./${file}`, import.meta.url));
/** A module of the compiled tree (dist/src/...), next to the bundle; computed at run time so the bundler leaves it out. */
const compiled = (path: string) => new URL(`./src/${path}`, import.meta.url).href;

async function daemon(args: string[]): Promise<void> {
  if (args.length > 0 && !['--help', '-h'].includes(args[0] as string)) {
    process.stderr.write('rcd: unexpected argument after daemon; usage: rcd daemon\n');
    process.exit(2);
  }
  if (args[0]) {
    process.stdout.write('usage: rcd daemon   (runs the daemon in the foreground)\n');
    process.exit(0);
  }
  const { runDaemon } = createRequire(import.meta.url)(bundled('rcd-daemon.cjs')) as { runDaemon: () => Promise<void> };
  try {
    await runDaemon();
  } catch (err) {
    // Start-up failures (a database from a newer rcd, an unusable state directory) are for people to read.
    const known = (err as { name?: string }).name === 'RcdError';
    process.stderr.write(`rcd: the daemon cannot start: ${known ? (err as Error).message : (err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  }
}

async function relay(args: string[]): Promise<void> {
  // Like the daemon: the relay (SQLite, pino, its pages) is imported from the compiled tree only when it runs.
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: ${USAGE.relay}\n\n${RELAY_HELP}`);
    process.exit(0);
  }
  const { parseRelayArgs, runRelay } = (await import(compiled('relay/main.js'))) as {
    parseRelayArgs: (argv: string[]) => unknown;
    runRelay: (opts: unknown) => Promise<void>;
  };
  try {
    await runRelay(parseRelayArgs(args));
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; stack?: string };
    const known = e.name === 'RcdError';
    const usage = known && e.code === 'USAGE';
    process.stderr.write(`rcd: ${known ? e.message : e?.stack ?? String(err)}${usage ? `; usage: ${USAGE.relay}` : ''}\n`);
    process.exit(usage ? 2 : 1);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'daemon') await daemon(rest);
  else if (command === 'relay') await relay(rest);
  else process.exitCode = await runCli(argv);
}

void main(process.argv.slice(2));

#!/usr/bin/env node
// The `rcd` entry point. It is bundled (esbuild) into dist/rcd.js so the everyday commands load one file;
// `rcd daemon` and `rcd relay` import the daemon or the relay from the compiled tree at run time, so no daemon
// or relay code (SQLite, pino, execa) is ever loaded by the CLI, and src/cli and src/daemon stay apart.
import { runCli } from '../cli/main.js';
import { USAGE } from '../cli/usage.js';

const command = process.argv[2];
if (command === 'daemon') {
  if (process.argv.length > 3 && !['--help', '-h'].includes(process.argv[3] as string)) {
    process.stderr.write('rcd: unexpected argument after daemon\nusage: rcd daemon\n');
    process.exit(2);
  }
  if (process.argv[3]) {
    process.stdout.write('usage: rcd daemon   (runs the daemon in the foreground)\n');
    process.exit(0);
  }
  // Relative to dist/rcd.js (the bundle); computed at run time so the bundler leaves the daemon out.
  const daemonModule = new URL('./src/daemon/main.js', import.meta.url).href;
  const { runDaemon } = (await import(daemonModule)) as { runDaemon: () => Promise<void> };
  try {
    await runDaemon();
  } catch (err) {
    // Start-up failures (a database from a newer rcd, an unusable state directory) are for people to read.
    const known = (err as { name?: string }).name === 'RcdError';
    process.stderr.write(`rcd: the daemon cannot start: ${known ? (err as Error).message : (err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  }
} else if (command === 'relay') {
  // Like the daemon: the relay (SQLite, pino, its pages) is imported from the compiled tree only when it runs.
  const args = process.argv.slice(3);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: ${USAGE.relay}\n`);
    process.exit(0);
  }
  const relayModule = new URL('./src/relay/main.js', import.meta.url).href;
  const { parseRelayArgs, runRelay } = (await import(relayModule)) as {
    parseRelayArgs: (argv: string[]) => unknown;
    runRelay: (opts: unknown) => Promise<void>;
  };
  try {
    await runRelay(parseRelayArgs(args));
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; stack?: string };
    const known = e.name === 'RcdError';
    const usage = known && e.code === 'USAGE';
    process.stderr.write(`rcd: ${known ? e.message : e?.stack ?? String(err)}\n${usage ? `usage: ${USAGE.relay}\n` : ''}`);
    process.exit(usage ? 2 : 1);
  }
} else {
  process.exitCode = await runCli(process.argv.slice(2));
}

// The CLI: picks the command, runs it, maps errors to exit codes (2 usage, 1 anything else) and one line on stderr.
import { RcdError } from '../common/errors.js';
import { layout, resolveHome } from '../common/paths.js';
import { sanitize } from '../common/terminal.js';
import { VERSION } from '../common/version.js';
import type { Client } from './client.js';
import type { CommandContext, DaemonClient } from './context.js';
import { HELP, USAGE } from './usage.js';
import { usageError } from './args.js';

type Command = (argv: string[], ctx: CommandContext) => Promise<number>;

// Each command module is imported only when it runs: `rcd status` loads nothing it does not use.
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.js')).start,
  status: async () => (await import('./commands/status.js')).status,
  logs: async () => (await import('./commands/logs.js')).logs,
  send: async () => (await import('./commands/send.js')).send,
  stop: async () => (await import('./commands/stop.js')).stop,
  restart: async () => (await import('./commands/restart.js')).restart,
  rm: async () => (await import('./commands/rm.js')).rm,
  shutdown: async () => (await import('./commands/shutdown.js')).shutdown,
  url: async () => (await import('./commands/url.js')).url,
  approvals: async () => (await import('./commands/approvals.js')).approvals,
  approve: async () => (await import('./commands/approvals.js')).approve,
  deny: async () => (await import('./commands/approvals.js')).deny,
  answer: async () => (await import('./commands/approvals.js')).answer,
  mode: async () => (await import('./commands/turn.js')).mode,
  interrupt: async () => (await import('./commands/turn.js')).interrupt,
  remote: async () => (await import('./commands/remote.js')).remote,
  service: async () => (await import('./commands/service.js')).service,
};

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const ctx: CommandContext = {
    client: (opts) => lazyClient(opts?.autostart ?? true),
    out: (text) => process.stdout.write(`${sanitize(text)}\n`),
    err: (text) => process.stderr.write(`${sanitize(text)}\n`),
    json: (value, pretty = false) => process.stdout.write(`${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`),
  };
  // A reader that goes away (`rcd logs S | head`) is not an error, as with cat: stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`rcd: cannot write the output: ${err.message}\n`);
    process.exit(1);
  });
  try {
    if (command === undefined) {
      // No command is a usage error (exit 2): the help goes where errors go.
      ctx.err(HELP);
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      ctx.out(topic && USAGE[topic] ? `usage: ${USAGE[topic]}` : HELP);
      return 0;
    }
    if (command === '--version' || command === '-v') {
      ctx.out(VERSION);
      return 0;
    }
    const load = COMMANDS[command];
    if (!load) throw usageError('', `unknown command "${command}"; commands: ${Object.keys(USAGE).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      const dd = rest.indexOf('--');
      const help = rest.findIndex((a) => a === '--help' || a === '-h');
      if (dd === -1 || help < dd) {
        ctx.out(`usage: ${USAGE[command]}`);
        return 0;
      }
    }
    return await (await load())(rest, ctx);
  } catch (err) {
    if (err instanceof RcdError) {
      ctx.err(`rcd: ${err.message}`);
      return err.code === 'USAGE' ? 2 : 1;
    }
    // Not one of ours: a bug or an environment problem. One line unless asked for the details.
    const detail = process.env.RCD_DEBUG ? (err as Error)?.stack : undefined;
    ctx.err(`rcd: unexpected error: ${detail ?? (err as Error)?.message ?? String(err)}${detail ? '' : ' (set RCD_DEBUG=1 for details)'}`);
    return 1;
  }
}

/** The client module (and zod with it) is loaded on the first call, so `--version` and `--help` never pay for it. */
function lazyClient(autostart: boolean): DaemonClient {
  let loaded: Promise<Client> | undefined;
  const get = () => (loaded ??= import('./client.js').then(({ Client }) => new Client({ paths: layout(resolveHome()), autostart })));
  return {
    call: async (verb, body) => (await get()).call(verb, body),
    stream: async (verb, body) => (await get()).stream(verb, body),
  };
}

// rcd service install|uninstall|status: the login service (a systemd user unit or a launchd agent) that runs
// `rcd daemon`. Never starts a daemon itself (CLI.md); install hands the running one over to the service manager.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RcdError } from '../../common/errors.js';
import { oneOf, parse, usageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { backendFor, type Backend, type ManagerState } from '../service/backend.js';
import { stopDaemon, waitForDaemon } from '../service/handover.js';
import { PLATFORMS, hostPlatform, serviceSpec } from '../service/spec.js';

const ACTIONS = ['install', 'uninstall', 'status'] as const;
type Action = (typeof ACTIONS)[number];

export async function service(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(
    'service',
    argv,
    { 'dry-run': { type: 'boolean' }, platform: { type: 'string' }, json: { type: 'boolean' } },
    { min: 1, max: 1 },
  );
  const action = positionals[0] as string;
  if (!(ACTIONS as readonly string[]).includes(action)) throw usageError('service', `unknown action "${action}"; use ${ACTIONS.join(', ')}`);
  const platform = oneOf('service', 'platform', values.platform, PLATFORMS) ?? hostPlatform();
  if (values['dry-run'] && action === 'status') throw usageError('service', '--dry-run goes with install or uninstall');
  if (values.json && action !== 'status') throw usageError('service', '--json goes with status');
  const backend = await backendFor(serviceSpec(platform));
  const run: Record<Action, () => Promise<number>> = {
    install: () => install(backend, ctx, values['dry-run'] === true),
    uninstall: () => uninstall(backend, ctx, values['dry-run'] === true),
    status: () => status(backend, ctx, values.json === true),
  };
  return run[action as Action]();
}

/** File-system failures (a read-only or foreign-owned directory) as one sentence, not a stack trace. */
function fsStep<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new RcdError('INTERNAL', `cannot ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/** Written beside the target and renamed over it: the manager never reads a half-written file. */
function writeAtomically(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  fsStep(`write ${file}`, () => {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(tmp, text, { mode: 0o644 });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  });
}

async function install(backend: Backend, ctx: CommandContext, dryRun: boolean): Promise<number> {
  const { file } = backend.spec;
  const text = await backend.render();
  if (dryRun) {
    ctx.out(text.replace(/\n$/, ''));
    ctx.err(`(dry run: nothing written; install would write ${file}, then run: ${backend.installSteps.join('; ')})`);
    return 0;
  }
  const why = backend.unreachable();
  if (why) {
    const what = backend.kind === 'systemd' ? 'unit' : 'plist';
    throw new RcdError('INTERNAL', `cannot install the login service: ${why}; nothing was written (\`rcd service install --dry-run\` prints the ${what})`);
  }
  const refresh = existsSync(file);
  writeAtomically(file, text);
  backend.reload();
  const client = ctx.client({ autostart: false });
  const stopped = await stopDaemon(client);
  await backend.start();
  const pid = await waitForDaemon(client, backend.logsHint);
  ctx.out(`${refresh ? 'refreshed' : 'installed'} the ${backend.title}: ${file}`);
  if (stopped !== null) ctx.out(`handed over from daemon ${stopped}: its agents kept running, and the service's daemon re-adopts them`);
  ctx.out(`the service's daemon runs as pid ${pid}; logs: ${backend.logsHint}`);
  for (const line of backend.advice()) ctx.out(line);
  return 0;
}

async function uninstall(backend: Backend, ctx: CommandContext, dryRun: boolean): Promise<number> {
  const { file } = backend.spec;
  const installed = existsSync(file);
  if (dryRun) {
    if (!installed) ctx.out(`the login service is not installed (no ${file}); uninstall would do nothing`);
    else ctx.out(`uninstall would run: ${[backend.uninstallSteps[0], `rm ${file}`, ...backend.uninstallSteps.slice(1)].join('; ')}`);
    return 0;
  }
  if (!installed) {
    ctx.out(`the login service is not installed (no ${file}); nothing to do`);
    return 0;
  }
  const why = backend.unreachable();
  if (why) throw new RcdError('INTERNAL', `cannot uninstall the login service: ${why}; nothing was changed (if nothing runs it any more, remove ${file} by hand)`);
  backend.stop();
  fsStep(`remove ${file}`, () => rmSync(file, { force: true }));
  backend.forget();
  ctx.out(`stopped and removed the ${backend.title} (${file}); agents keep running, and the next rcd command starts a daemon that re-adopts them`);
  return 0;
}

interface StatusDoc {
  platform: string;
  manager: Backend['kind'];
  name: string;
  file: string;
  installed: boolean;
  enabled: boolean | null;
  running: boolean | null;
  pid: number | null;
  state: string | null;
  /** Why the service manager could not be asked (then enabled/running may be null), else null. */
  unreachable: string | null;
  /** The command line the installed file runs. */
  program: string[] | null;
  warnings: string[];
}

/**
 * Upgrade check: the programs an installed unit runs (`<node> [node flags] <cli> daemon`) must exist, and should be
 * this rcd's, with this rcd's node flags (a unit written by an older rcd may carry none, or others).
 */
function programWarnings(backend: Backend, program: string[] | null): string[] {
  const { node, cli, nodeFlags } = backend.spec;
  const fix = '`rcd service install` points it at this rcd';
  if (!program) return [`the installed ${backend.title} names no program to run; ${fix}`];
  const runsNode = program[0];
  const runsCli = program.length >= 3 && program.at(-1) === 'daemon' ? program.at(-2) : program[1];
  const gone = [runsNode, runsCli].filter((p): p is string => p !== undefined && !existsSync(p));
  if (gone.length > 0) return gone.map((p) => `the ${backend.title} runs ${p}, which no longer exists (an upgrade or a removed Node.js?); ${fix}`);
  if (runsNode !== node || runsCli !== cli) return [`the ${backend.title} runs ${runsNode} ${runsCli ?? ''}, not this rcd (${node} ${cli}); ${fix}`];
  const runsFlags = program.slice(1, -2);
  if (runsFlags.join(' ') !== nodeFlags.join(' ')) {
    return [`the ${backend.title} starts the daemon with node flags "${runsFlags.join(' ')}", this rcd with "${nodeFlags.join(' ')}" (written by another version?); \`rcd service install\` rewrites it`];
  }
  return [];
}

function describe(doc: StatusDoc, state: ManagerState): string {
  if (!doc.installed) return 'not installed';
  const parts = ['installed'];
  if (state.enabled !== null) parts.push(state.enabled ? 'enabled' : 'not enabled');
  if (doc.unreachable) parts.push(`running: unknown (${doc.unreachable})`);
  else parts.push(state.running ? `running${state.pid ? ` (pid ${state.pid})` : ''}` : `not running${state.detail ? ` (${state.detail})` : ''}`);
  return parts.join(', ');
}

async function status(backend: Backend, ctx: CommandContext, json: boolean): Promise<number> {
  const { file, platform } = backend.spec;
  const installed = existsSync(file);
  const unreachable = backend.unreachable();
  const state = backend.state(unreachable === null);
  const program = installed ? await backend.program(fsStep(`read ${file}`, () => readFileSync(file, 'utf8'))) : null;
  const doc: StatusDoc = {
    platform,
    manager: backend.kind,
    name: backend.name,
    file,
    installed,
    enabled: installed ? state.enabled : false,
    running: state.running,
    pid: state.pid,
    state: state.detail,
    unreachable,
    program,
    warnings: installed ? programWarnings(backend, program) : [],
  };
  for (const warning of doc.warnings) ctx.err(`rcd: warning: ${warning}`);
  if (json) {
    ctx.json(doc, true);
    return 0;
  }
  ctx.out(`login service (${backend.title}): ${describe(doc, state)}`);
  ctx.out(`file: ${file}${installed ? '' : ' (absent; `rcd service install` writes it)'}`);
  if (program) ctx.out(`runs: ${program.join(' ')}`);
  return 0;
}

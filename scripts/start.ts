// `npm start`: the main job on the embedded defaults. Starts the daemon (if none runs for RCD_HOME), starts a
// demo session running the bundled sample agent, prints what to try, and follows its output. Ctrl-C stops the
// demo session, and the daemon too if this script started it.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'rcd.js');
const rcd = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

interface Status {
  daemon: { pid: number; socket: string; home: string };
  sessions: { id: string; name: string; state: string; cwd: string }[];
}

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

const probe = spawnSync(process.execPath, [cli, 'shutdown', '--help'], { encoding: 'utf8' });
if (probe.status !== 0) fail(`the CLI at ${cli} does not run; did \`npm install\` finish?`);

const pidFileBefore = rcd('status', '--json');
if (pidFileBefore.status !== 0) fail(pidFileBefore.stderr.trim());
const before = JSON.parse(pidFileBefore.stdout) as Status;
// The daemon answered; it is ours to stop on Ctrl-C only if it started just now (it has no sessions and is younger than this script).
const startedHere = before.sessions.length === 0;

const workspace = join(root, 'examples', 'demo-workspace');
let demo = before.sessions.find((s) => s.name === 'demo');
if (demo && ['starting', 'running', 'restarting'].includes(demo.state)) {
  process.stdout.write(`the demo session is already running (${demo.id})\n`);
} else {
  if (demo) rcd('rm', 'demo');
  const started = rcd('start', '--name', 'demo', '--cwd', workspace, '--restart', 'on-failure', '--json', '--', process.execPath, join(root, 'examples', 'sample-agent.mjs'));
  if (started.status !== 0) fail(started.stderr.trim());
  demo = JSON.parse(started.stdout) as Status['sessions'][number];
}

process.stdout.write(`
rcd is running: daemon pid ${before.daemon.pid}, state in ${before.daemon.home}
demo session ${demo.id} runs examples/sample-agent.mjs in ${workspace}

In another terminal, try:
  node ${cli} status
  node ${cli} send demo "hello agent"
  node ${cli} logs demo --follow

Following the demo's output here. Ctrl-C stops the demo session${startedHere ? ' and the daemon' : ''}.
---
`);

const follow = spawn(process.execPath, [cli, 'logs', 'demo', '--follow'], { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
process.on('SIGINT', () => {
  if (stopping) return;
  stopping = true;
  follow.kill('SIGTERM');
  process.stdout.write('\nstopping the demo session…\n');
  const stopped = rcd('stop', 'demo');
  if (stopped.status !== 0) process.stderr.write(`could not stop the demo: ${stopped.stderr}`);
  if (startedHere) rcd('shutdown');
  process.stdout.write(startedHere ? 'stopped the demo session and the daemon.\n' : 'stopped the demo session; the daemon keeps running (rcd shutdown stops it).\n');
  process.exit(0);
});
follow.on('exit', () => {
  if (!stopping) process.stdout.write('the demo session ended; see `rcd status`.\n');
});

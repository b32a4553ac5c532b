// `npm start`: the main job on the embedded defaults. Starts a local relay on 127.0.0.1:8787 (data in
// $RCD_HOME/relay), the daemon linked to it, and a demo session running the bundled sample agent; prints the
// session's URL (open it in a browser) and follows the output. Ctrl-C (or SIGTERM/SIGHUP) stops the demo session
// and the relay, and the daemon too if this script started it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'rcd.cjs');
const RELAY = process.env.RCD_RELAY_URL || 'http://127.0.0.1:8787';
const env = { ...process.env, RCD_RELAY_URL: RELAY };
const rcd = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env });

interface Status {
  daemon: { pid: number; home: string; link: { state: string; relay: string | null } };
  sessions: { id: string; name: string; state: string }[];
}

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  cleanup();
  process.exit(1);
}

let relay: ChildProcess | null = null;
let daemonStartedHere = false;
function cleanup(): void {
  relay?.kill('SIGTERM');
}

async function relayAnswers(): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/info', RELAY), { signal: AbortSignal.timeout(1000) });
    return res.ok && ((await res.json()) as { name?: string }).name === 'rcd-relay';
  } catch {
    return false;
  }
}

async function startRelay(): Promise<void> {
  if (await relayAnswers()) {
    process.stdout.write(`using the relay already running at ${RELAY}\n`);
    return;
  }
  const u = new URL(RELAY);
  relay = spawn(process.execPath, [cli, 'relay', '--host', u.hostname, '--port', u.port || '80'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const deadline = Date.now() + 10_000;
  while (!(await relayAnswers())) {
    if (relay.exitCode !== null || Date.now() > deadline) fail(`the relay did not start at ${RELAY}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function status(): Status {
  const r = rcd('status', '--json');
  if (r.status !== 0) fail(r.stderr.trim());
  return JSON.parse(r.stdout) as Status;
}

await startRelay();
let st = status();
daemonStartedHere = st.sessions.length === 0;
if (st.daemon.link.relay !== new URL(RELAY).origin) {
  // A daemon without this relay configured: restart it with it (agents keep running and are re-adopted).
  rcd('shutdown');
  st = status();
}
const workspace = join(root, 'examples', 'demo-workspace');
const demo = st.sessions.find((s) => s.name === 'demo');
if (!demo || !['starting', 'running', 'restarting'].includes(demo.state)) {
  if (demo) rcd('rm', 'demo');
  const started = rcd('start', '--name', 'demo', '--cwd', workspace, '--restart', 'on-failure', '--', process.execPath, join(root, 'examples', 'sample-agent.mjs'));
  if (started.status !== 0) fail(started.stderr.trim());
}
const url = rcd('url', 'demo');
if (url.status !== 0) fail(url.stderr.trim());

process.stdout.write(`
rcd is running: daemon pid ${st.daemon.pid} (state in ${st.daemon.home}), relay ${RELAY}
demo session runs examples/sample-agent.mjs in ${workspace}

Open the session in a browser (or on another machine through your own relay):
  ${url.stdout.trim()}

In another terminal, try:
  node ${cli} status
  node ${cli} send demo "hello agent"
  node ${cli} remote send ${url.stdout.trim()} "hello from the remote client"

Following the demo's output here. Ctrl-C stops the demo session, the relay${daemonStartedHere ? ' and the daemon' : ''}.
---
`);

const follow = spawn(process.execPath, [cli, 'logs', 'demo', '--follow'], { stdio: ['ignore', 'inherit', 'inherit'], env });
let stopping = false;
// Ctrl-C, a closed terminal (SIGHUP) and `kill`/`timeout` (SIGTERM) all end the demo the same way.
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  follow.kill('SIGTERM');
  process.stdout.write('\nstopping…\n');
  const stopped = rcd('stop', 'demo');
  if (stopped.status !== 0) process.stderr.write(`could not stop the demo: ${stopped.stderr}`);
  if (daemonStartedHere) rcd('shutdown');
  cleanup();
  process.stdout.write(daemonStartedHere ? 'stopped the demo session, the relay and the daemon.\n' : 'stopped the demo session and the relay; the daemon keeps running (rcd shutdown stops it).\n');
  process.exit(0);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, stop);
follow.on('exit', () => {
  if (!stopping) process.stdout.write('the demo session ended; see `rcd status`.\n');
});

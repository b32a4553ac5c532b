// scripts/bench.ts: rcd's performance benchmark. `npm run bench [-- --runs N]` (N defaults to 20).
// It runs a private daemon on a temp RCD_HOME under /tmp with `sleep 100000` agents and measures:
//   1. `node -e 0` wall time: the baseline every ratio is taken against;
//   2. `rcd status --json` with 32 idle sessions (target <= 1.5x the baseline);
//   3. `rcd start` of one session, stopped and removed between runs; only the start is timed (target <= 1.6x);
//   4. resident memory of what rcd runs besides the agents (daemon + agent wrappers), RSS and PSS, with 32 idle
//      sessions (target < 50 MB), and the daemon's idle CPU over 5 s (from /proc/<pid>/stat utime + stime);
//   5. `rcd status --json` with 256 idle sessions (target <= 2x), then memory and idle CPU again;
//   6. after all that is cleaned up, the idle footprint of issue #15 (scripts/footprint.ts): 32 sessions, the relay
//      link connected and every URL issued, daemon RSS + wrappers' PSS (target <= 50 MB) and idle CPU over 60 s.
// Timings are medians over N runs after a warm-up. Machines are noisy, so each measured command is interleaved
// run by run with a `node -e 0` of its own, and its ratio is taken against that paired baseline. `rcd --version`
// (load the CLI bundle, no socket) is shown as a diagnostic: it separates start-up cost from the request itself.
// Progress goes to stderr, the markdown table to stdout. At the end every session is stopped, the daemon shut
// down, the temp dirs removed, and /proc is checked for any process still carrying RCD_HOME=<home>.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { footprint } from './footprint.js';
import { cpuTicks, ppid, pssKB, rssKB, statFields } from './proc-stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'dist', 'rcd.cjs');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 3) throw new Error(`--runs takes a whole number >= 3 (got ${values.runs})`);
const WARMUP = 3;
const IDLE_MS = 5_000;
const PARALLEL = 3; // concurrent CLI calls when starting or stopping sessions in bulk
const AGENT = ['sleep', '100000'];

const home = mkdtempSync('/tmp/rcdb-');
const work = mkdtempSync('/tmp/rcdw-');
const env: NodeJS.ProcessEnv = { ...process.env, RCD_HOME: home, RCD_RELAY_URL: '' };
delete env.NODE_OPTIONS;
const execFileP = promisify(execFile);
const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface StatusDoc { daemon: { pid: number }; sessions: { id: string; state: string; pid: number | null }[] }

/** Runs `node ARGS` to completion and returns its wall time; a failure aborts the benchmark. */
function run(args: string[]): { ms: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, cwd: home, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}
const rcd = (...args: string[]) => run([CLI, ...args]);
const baseline = () => run(['-e', '0']).ms;
const statusDoc = () => JSON.parse(rcd('status', '--json').stdout) as StatusDoc;

interface Stats { median: number; min: number; max: number }
function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
}

interface Paired { cmd: Stats; base: Stats }
/** Times `measure` WARMUP + RUNS times, each next to a `node -e 0` (order alternating), keeping the last RUNS. */
function paired(label: string, measure: () => number): Paired {
  progress(`timing ${label} (${WARMUP} + ${RUNS} runs)`);
  const cmd: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const before = i % 2 === 0 ? baseline() : null; // alternate which of the pair runs first
    const c = measure();
    const b = before ?? baseline();
    if (i >= WARMUP) {
      cmd.push(c);
      base.push(b);
    }
  }
  return { cmd: stats(cmd), base: stats(base) };
}

/** Runs `fn` over `items`, PARALLEL at a time, reporting progress every `every` items. */
async function pool<T>(what: string, items: T[], fn: (item: T) => Promise<unknown>, every = 32): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      await fn(items[next++] as T);
      if (++done % every === 0 || done === items.length) progress(`${what}: ${done}/${items.length}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

async function startSessions(from: number, to: number): Promise<void> {
  const t0 = Date.now();
  const dirs = Array.from({ length: to - from }, (_, i) => join(work, `s${from + i}`));
  await pool(`starting sessions ${from + 1}-${to}`, dirs, async (dir) => {
    mkdirSync(dir);
    await execFileP(process.execPath, [CLI, 'start', '--cwd', dir, '--', ...AGENT], { env, cwd: home });
  });
  const running = statusDoc().sessions.filter((s) => s.state === 'running').length;
  if (running !== to) throw new Error(`expected ${to} running sessions, found ${running}`);
  progress(`${to - from} sessions started in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${PARALLEL} at a time`);
}


/** Every live process whose environment carries RCD_HOME=<home>: the daemon, the wrappers and the agents. */
function processesOfHome(): number[] {
  const marker = Buffer.from(`RCD_HOME=${home}\0`);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (statFields(Number(entry))[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/environ`).includes(marker)) found.push(Number(entry));
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

interface Memory { daemonRss: number; daemonPss: number; wrappers: number; wrapperRss: number; wrapperPss: number; other: number }
/** The daemon and each agent's parent (its wrapper), plus anything else of this home that is not an agent. */
function memory(doc: StatusDoc): Memory {
  const agents = doc.sessions.flatMap((s) => (s.state === 'running' && s.pid ? [s.pid] : []));
  const wrappers = agents.map(ppid);
  const known = new Set([doc.daemon.pid, ...agents, ...wrappers]);
  const others = processesOfHome().filter((p) => !known.has(p));
  if (others.length > 0) progress(`note: ${others.length} other process(es) of this home counted with the wrappers: ${others.join(' ')}`);
  const helpers = [...wrappers, ...others];
  return {
    daemonRss: rssKB(doc.daemon.pid), daemonPss: pssKB(doc.daemon.pid), wrappers: wrappers.length, other: others.length,
    wrapperRss: helpers.reduce((n, p) => n + rssKB(p), 0), wrapperPss: helpers.reduce((n, p) => n + pssKB(p), 0),
  };
}

/** The daemon's CPU time over IDLE_MS, as a percentage of one core. */
async function idleCpu(pid: number): Promise<number> {
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  await sleep(1_000); // let the last request's work settle
  const [t0, c0] = [process.hrtime.bigint(), cpuTicks(pid)];
  await sleep(IDLE_MS);
  return ((cpuTicks(pid) - c0) / hz / (Number(process.hrtime.bigint() - t0) / 1e9)) * 100;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (k: number) => `${(k / 1024).toFixed(1)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const rows: string[] = [];
const resRows: string[] = [];
const adoptRows: string[] = [];
/** The daemon's last "sessions recovered" log line: how many it re-adopted and how long recovery took. */
function lastRecovery(): { adopted: number; ms: number } {
  const lines = readFileSync(join(home, 'logs', 'daemon.log'), 'utf8').trim().split('\n').reverse();
  const line = lines.find((l) => l.includes('"sessions recovered"'));
  if (!line) throw new Error('the daemon logged no recovery');
  return JSON.parse(line) as { adopted: number; ms: number };
}
function timeRow(what: string, p: Paired, target?: number): void {
  const ratio = p.cmd.median / p.base.median;
  rows.push(`| ${what} | ${ms(p.cmd.median)} | ${ms(p.cmd.min)}–${ms(p.cmd.max)} | ${ms(p.base.median)} | ${ratio.toFixed(2)}x | ` +
    `${target ? `≤ ${target}x` : '—'} | ${target ? verdict(ratio <= target) : '—'} |`);
}
function resourceRow(n: number, m: Memory, cpu: number, targetMB?: number): void {
  const rss = m.daemonRss + m.wrapperRss;
  const pss = m.daemonPss + m.wrapperPss;
  // The daemon's PSS is cut by any other node process sharing its binary's pages (this script, for one), so daemon
  // RSS + wrappers' PSS is the fairest single figure: what rcd costs on a machine running no other node process.
  const fair = m.daemonRss + m.wrapperPss;
  const check = (k: number) => (targetMB ? verdict(k < targetMB * 1024) : '—');
  resRows.push(`| ${n} | ${mb(m.daemonRss)} / ${mb(m.daemonPss)} | ${m.wrappers}${m.other ? ` (+${m.other} other)` : ''}: ` +
    `${mb(m.wrapperRss)} / ${mb(m.wrapperPss)} | ${mb(rss)} | ${mb(pss)} | ${mb(fair)} | ${targetMB ? `< ${targetMB} MB` : '—'} | ` +
    `${check(rss)} / ${check(pss)} / ${check(fair)} | ${cpu.toFixed(2)} % |`);
}

async function main(): Promise<void> {
  writeFileSync(join(home, 'config.json'), JSON.stringify({ maxSessions: 300 }));
  progress(`RCD_HOME=${home}; node ${process.version}; ${availableParallelism()} cores; ${RUNS} runs after ${WARMUP} warm-up`);
  statusDoc(); // starts the daemon
  progress(`timing node -e 0 (${WARMUP} + ${RUNS} runs)`);
  const base = stats(Array.from({ length: WARMUP + RUNS }, baseline).slice(WARMUP));
  rows.push(`| \`node -e 0\` (baseline) | ${ms(base.median)} | ${ms(base.min)}–${ms(base.max)} | — | 1.00x | — | — |`);
  timeRow('`rcd --version` (bundle load only; diagnostic)', paired('rcd --version', () => rcd('--version').ms));

  await startSessions(0, 32);
  timeRow('`rcd status --json`, 32 idle sessions', paired('status, 32 sessions', () => rcd('status', '--json').ms), 1.5);
  const doc32 = statusDoc();
  const mem32 = memory(doc32);
  progress(`measuring the daemon's idle CPU with 32 sessions over ${IDLE_MS / 1000} s`);
  resourceRow(32, mem32, await idleCpu(doc32.daemon.pid), 50);

  // Re-adoption (durability): the next daemon takes over 32 running agents before it answers its first request.
  progress('re-adopting 32 running sessions after a daemon restart (5 times)');
  const adopt: number[] = [];
  const restart: number[] = [];
  for (let i = 0; i < 5; i++) {
    rcd('shutdown');
    restart.push(rcd('status', '--json').ms); // CLI start + daemon start + recovery + the answer
    const rec = lastRecovery();
    if (rec.adopted !== 32) throw new Error(`expected 32 re-adopted sessions, the daemon logged ${JSON.stringify(rec)}`);
    adopt.push(rec.ms);
  }
  const a = stats(adopt);
  const r = stats(restart);
  adoptRows.push(`| re-adopt 32 running sessions (inside the daemon) | ${ms(a.median)} | ${ms(a.min)}–${ms(a.max)} | < 1000 ms | ${verdict(a.max < 1000)} |`);
  adoptRows.push(`| \`rcd status\` that starts the next daemon, which re-adopts 32 | ${ms(r.median)} | ${ms(r.min)}–${ms(r.max)} | — | — |`);

  const dir = join(work, 'one');
  mkdirSync(dir);
  timeRow('`rcd start` of one session (32 others live)', paired('start', () => {
    const started = rcd('start', '--cwd', dir, '--', ...AGENT);
    const id = started.stdout.trim();
    rcd('stop', id);
    rcd('rm', id);
    return started.ms;
  }), 1.6);

  await startSessions(32, 256);
  await sleep(1_000);
  timeRow('`rcd status --json`, 256 idle sessions', paired('status, 256 sessions', () => rcd('status', '--json').ms), 2);
  const doc256 = statusDoc();
  progress(`measuring the daemon's idle CPU with 256 sessions over ${IDLE_MS / 1000} s`);
  resourceRow(256, memory(doc256), await idleCpu(doc256.daemon.pid));

  const rev = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const out = [`rcd benchmark (${rev}): node ${process.version}, ${availableParallelism()} cores, ${RUNS} runs per timing ` +
    `(+${WARMUP} warm-up), medians; each ratio is against the \`node -e 0\` runs interleaved with that row.`, '',
    '| measurement | median | range (min–max) | paired `node -e 0` | ratio | target | result |',
    '|---|---|---|---|---|---|---|', ...rows, '',
    'Memory of everything rcd runs besides the agents (the daemon and one wrapper per session, compiled or `sh`), and the daemon\'s CPU ' +
    `use while idle over ${IDLE_MS / 1000} s (% of one core). Results are for RSS / PSS / daemon RSS + wrappers PSS.`, '',
    '| sessions | daemon RSS / PSS | wrappers: RSS / PSS | total RSS | total PSS | daemon RSS + wrappers PSS | target | results | daemon idle CPU |',
    '|---|---|---|---|---|---|---|---|---|', ...resRows, '',
    'Durability: time to re-adopt running agents when a daemon starts (5 restarts, medians).', '',
    '| measurement | median | range (min–max) | target | result |', '|---|---|---|---|---|', ...adoptRows];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function cleanup(): Promise<void> {
  progress('cleaning up');
  try {
    const live = statusDoc().sessions.filter((s) => ['starting', 'running', 'restarting', 'stopping'].includes(s.state));
    const t0 = Date.now();
    await pool('stopping sessions', live.map((s) => s.id), (id) => execFileP(process.execPath, [CLI, 'stop', id], { env, cwd: home }));
    progress(`${live.length} sessions stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${PARALLEL} at a time`);
    rcd('shutdown');
  } catch (err) {
    progress(`orderly cleanup failed (${(err as Error).message}); killing what is left`);
  }
  let left = processesOfHome();
  for (let i = 0; i < 100 && left.length > 0; i++, left = processesOfHome()) await sleep(50);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  if (left.length > 0) progress(`WARNING: ${left.length} process(es) were still running and were killed: ${left.join(' ')}`);
  await sleep(200);
  const still = processesOfHome();
  progress(still.length ? `WARNING: still running: ${still.join(' ')}` : 'verified: no process of this RCD_HOME is left');
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  progress(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanup();
}
if (!process.exitCode) {
  // Its own homes and relays, once this benchmark's 256 sessions are gone (their sh pages would share its wrappers').
  try {
    process.stdout.write(`\n${await footprint()}\n`);
  } catch (err) {
    process.exitCode = 1;
    progress(`footprint failed: ${(err as Error).stack ?? String(err)}`);
  }
}

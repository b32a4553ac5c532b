// scripts/footprint.ts: what an idle daemon costs a laptop (issue #15), side by side for one or more variants.
// Each variant is a daemon (a CLI bundle and the node flags it is started with) on its own temp RCD_HOME, linked to
// its own `rcd relay` on 127.0.0.1, with N `sleep` sessions whose URLs are all issued. All variants are brought up
// first, then measured in the same window, so machine noise hits them alike:
//   - footprint: daemon RSS + the PSS of its agent wrappers (what rcd runs besides the agents), after set-up and again
//     after the idle window; the daemon's PSS is shown too (it shares node's pages with this script);
//   - idle CPU: the daemon's utime + stime (/proc/<pid>/stat) over the idle window, as % of one core.
// Usage: node dist/scripts/footprint.js [--sessions 32] [--idle-s 60]
//   [--variant 'label|path/to/rcd.cjs|--node-flag NAME=value' ...] (default: this build with its own flags).
// To compare with an older build, copy its dist/ somewhere with a node_modules link beside it and name its rcd.cjs.
// `npm run bench` runs it once with the defaults (scripts/bench.ts); progress on stderr, a markdown table on stdout.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DAEMON_NODE_FLAGS } from '../src/common/daemon-flags.js';
import { CLI, Home, sleep, waitFor } from './relay-kit.js';
import { cpuTicks, pssKB, rssKB, statFields } from './proc-stats.js';

// Imported by scripts/bench.ts (defaults, its own arguments are not ours) or run on its own.
const isMain = process.argv[1]?.endsWith('footprint.js') ?? false;
const { values } = parseArgs({
  args: isMain ? process.argv.slice(2) : [],
  options: {
    sessions: { type: 'string', default: '32' }, 'idle-s': { type: 'string', default: '60' },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
const SESSIONS = Number(values.sessions);
const IDLE_MS = Number(values['idle-s']) * 1000;
if (!Number.isInteger(SESSIONS) || SESSIONS < 1 || !(IDLE_MS > 0)) throw new Error('--sessions and --idle-s take positive numbers');
// After the last URL is issued, the daemon's last request and its collector settle before anything is read.
const SETTLE_MS = 3_000;
// Issue #15's targets: what rcd runs besides the agents, and the daemon's idle CPU (% of one core).
const TARGET_MB = 50;
const TARGET_CPU = 0.1;
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
const progress = (msg: string) => process.stderr.write(`footprint: ${msg}\n`);

// A variant's flags may hold NAME=value words: those go into the daemon's environment instead (malloc tunables).
interface Variant { label: string; cli: string; flags: string[] }
const isEnv = (word: string) => /^[A-Z_][A-Z0-9_]*=/.test(word);
const variants: Variant[] = values.variant.length === 0
  ? [{ label: 'this build', cli: CLI, flags: [...DAEMON_NODE_FLAGS] }]
  : values.variant.map((v) => {
    const [label = '', cli = CLI, flags = ''] = v.split('|');
    return { label, cli: cli || CLI, flags: flags.split(' ').filter(Boolean) };
  });


interface Memory { daemonRss: number; daemonPss: number; wrappersPss: number }
interface Up { v: Variant; home: Home; pid: number; wrappers: number[]; setup: Memory }

async function bringUp(v: Variant, home: Home): Promise<Up> {
  await home.relay.start();
  home.env.RCD_RELAY_URL = home.relay.url;
  // More sessions than the daemon's default limit (32): raised in config.json, as scripts/bench.ts does.
  if (SESSIONS > 32) writeFileSync(join(home.home, 'config.json'), JSON.stringify({ maxSessions: SESSIONS }));
  // Started directly (not by a CLI's auto-start) so that each variant runs with exactly its own flags.
  const env = { ...home.env, ...Object.fromEntries(v.flags.filter(isEnv).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])) };
  const child = spawn(process.execPath, [...v.flags.filter((w) => !isEnv(w)), v.cli, 'daemon'], { env, detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor(() => home.link().then((l) => l.state === 'connected', () => false), `${v.label}: the link to connect`, 15_000, 50);
  for (let i = 0; i < SESSIONS; i++) await home.session(`s${i}`, ['sleep', '100000']); // each with its URL issued
  const doc = await home.status();
  const agents = doc.sessions.flatMap((s) => (s.state === 'running' && s.pid ? [s.pid] : []));
  if (agents.length !== SESSIONS) throw new Error(`${v.label}: ${agents.length} of ${SESSIONS} sessions running`);
  const up = { v, home, pid: doc.daemon.pid, wrappers: agents.map((a) => Number(statFields(a)[1])), setup: null as unknown as Memory };
  progress(`${v.label}: daemon ${up.pid} up with ${SESSIONS} sessions, link ${doc.daemon.link.state}`);
  return up;
}

function memory(u: Up): Memory {
  return { daemonRss: rssKB(u.pid), daemonPss: pssKB(u.pid), wrappersPss: u.wrappers.reduce((n, p) => n + pssKB(p), 0) };
}

const mb = (k: number) => `${(k / 1024).toFixed(1)} MB`;

export async function footprint(): Promise<string> {
  const ups: Up[] = [];
  const homes: Home[] = [];
  try {
    for (const v of variants) {
      const home = new Home();
      homes.push(home); // cleaned up even if bringing it up fails half-way
      ups.push(await bringUp(v, home));
    }
    await sleep(SETTLE_MS);
    for (const u of ups) u.setup = memory(u);
    progress(`measuring idle CPU of ${ups.length} daemon(s) over ${IDLE_MS / 1000} s`);
    const t0 = process.hrtime.bigint();
    const c0 = ups.map((u) => cpuTicks(u.pid));
    await sleep(IDLE_MS);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const rows = ups.map((u, i) => {
      const end = memory(u);
      const ticks = cpuTicks(u.pid) - (c0[i] as number);
      const cpu = (ticks / HZ / secs) * 100;
      return `| ${u.v.label} | ${u.v.flags.join(' ') || '—'} | ${mb(u.setup.daemonRss)} | ${mb(end.daemonRss)} | ${mb(end.daemonPss)} | ` +
        `${mb(end.wrappersPss)} | **${mb(end.daemonRss + end.wrappersPss)}** | ${cpu.toFixed(3)} % (${ticks} ticks) | ` +
        `${end.daemonRss + end.wrappersPss <= TARGET_MB * 1024 ? 'met' : '**missed**'} / ${cpu <= TARGET_CPU ? 'met' : '**missed**'} |`;
    });
    return [`Idle footprint: ${SESSIONS} \`sleep\` sessions, relay link connected, every URL issued; idle window ` +
      `${(secs).toFixed(1)} s, all variants measured in the same window.`, '',
    '| variant | daemon node flags | daemon RSS after set-up | daemon RSS after idle | daemon PSS | wrappers PSS | footprint (daemon RSS + wrappers PSS) | daemon idle CPU | ' +
    `footprint ≤ ${TARGET_MB} MB / CPU ≤ ${TARGET_CPU} % |`,
    '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
  } finally {
    for (const h of homes) await h.cleanup(progress);
  }
}

if (isMain) {
  try {
    process.stdout.write(`${await footprint()}\n`);
  } catch (err) {
    process.exitCode = 1;
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
  }
}

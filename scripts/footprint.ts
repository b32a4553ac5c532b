// scripts/footprint.ts: what an idle daemon costs a laptop (issue #15), side by side for one or more variants.
// Each variant is a daemon (a CLI bundle and the node flags it is started with) on its own temp RCD_HOME, linked to
// its own `rcd relay` on 127.0.0.1, with N `sleep` sessions whose URLs are all issued. All variants are brought up
// first, then measured in the same window, so machine noise hits them alike:
//   - footprint: daemon RSS + the PSS of its agent wrappers (what rcd runs besides the agents), after set-up and again
//     after the idle window; the daemon's PSS is shown too (it shares node's pages with this script);
//   - idle CPU: the daemon's utime + stime (/proc/<pid>/stat) over the idle window, as % of one core;
//   - then what work leaves behind: one more session writes a backlog of --backlog-mb MB (base64 text, as fast as
//     it can), the daemon stores it and sends it up, a remote client reads all of it, and after another idle window
//     the footprint is read again (a daemon that grows with each burst and never gives back costs a laptop too).
// Usage: node dist/scripts/footprint.js [--sessions 32] [--idle-s 60] [--backlog-mb 20]
//   [--variant 'label|path/to/rcd.cjs|--node-flag NAME=value' ...] (default: this build with its own flags).
// To compare with an older build, copy its dist/ somewhere with a node_modules link beside it and name its rcd.cjs.
// `npm run bench` runs it once with the defaults (scripts/bench.ts); progress on stderr, a markdown table on stdout.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../src/common/daemon-flags.js';
import { CLI, Home, sleep, waitFor } from './relay-kit.js';
import { cpuTicks, pssKB, rssKB, statFields } from './proc-stats.js';

// Imported by scripts/bench.ts (defaults, its own arguments are not ours) or run on its own.
const isMain = process.argv[1]?.endsWith('footprint.js') ?? false;
const { values } = parseArgs({
  args: isMain ? process.argv.slice(2) : [],
  options: {
    sessions: { type: 'string', default: '32' }, 'idle-s': { type: 'string', default: '60' },
    variant: { type: 'string', multiple: true, default: [] }, 'backlog-mb': { type: 'string', default: '20' },
  },
});
const SESSIONS = Number(values.sessions);
const IDLE_MS = Number(values['idle-s']) * 1000;
const BACKLOG_MB = Number(values['backlog-mb']);
if (!Number.isInteger(SESSIONS) || SESSIONS < 1 || !(IDLE_MS > 0)) throw new Error('--sessions and --idle-s take positive numbers');
if (!Number.isInteger(BACKLOG_MB) || BACKLOG_MB < 0) throw new Error('--backlog-mb takes a whole number (0: no backlog phase)');
// After the last URL is issued, the daemon's last request and its collector settle before anything is read.
const SETTLE_MS = 3_000;
// Issue #15's targets: what rcd runs besides the agents, and the daemon's idle CPU (% of one core).
const TARGET_MB = 50;
const TARGET_CPU = 0.1;
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
const progress = (msg: string) => process.stderr.write(`footprint: ${msg}\n`);

// A variant's flags may hold NAME=value words: those go into the daemon's environment instead (malloc tunables).
interface Variant { label: string; cli: string; flags: string[] }
// What the CLI's auto-start and the login service add to the daemon's environment (malloc tunables), as words.
const buildEnvWords = () => Object.entries(daemonEnv({})).map(([name, value]) => `${name}=${value ?? ''}`);
const isEnv = (word: string) => /^[A-Z_][A-Z0-9_]*=/.test(word);
const variants: Variant[] = values.variant.length === 0
  ? [{ label: 'this build', cli: CLI, flags: [...DAEMON_NODE_FLAGS, ...buildEnvWords()] }]
  : values.variant.map((v) => {
    const [label = '', cli = CLI, flags = ''] = v.split('|');
    return { label, cli: cli || CLI, flags: flags.split(' ').filter(Boolean) };
  });


interface Memory { daemonRss: number; daemonPss: number; wrappersPss: number }
interface Up { v: Variant; home: Home; pid: number; wrappers: number[]; setup: Memory; idle: Memory }

async function bringUp(v: Variant, home: Home): Promise<Up> {
  await home.relay.start();
  home.env.RCD_RELAY_URL = home.relay.url;
  // More sessions than the daemon's default limit (32), with the backlog's: raised in config.json, as bench.ts does.
  if (SESSIONS + 1 > 32) writeFileSync(join(home.home, 'config.json'), JSON.stringify({ maxSessions: SESSIONS + 1 }));
  // Started directly (not by a CLI's auto-start) so that each variant runs with exactly its own flags.
  const env = { ...home.env, ...Object.fromEntries(v.flags.filter(isEnv).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])) };
  const child = spawn(process.execPath, [...v.flags.filter((w) => !isEnv(w)), v.cli, 'daemon'], { env, detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor(() => home.link().then((l) => l.state === 'connected', () => false), `${v.label}: the link to connect`, 15_000, 50);
  for (let i = 0; i < SESSIONS; i++) await home.session(`s${i}`, ['sleep', '100000']); // each with its URL issued
  const doc = await home.status();
  const agents = doc.sessions.flatMap((s) => (s.state === 'running' && s.pid ? [s.pid] : []));
  if (agents.length !== SESSIONS) throw new Error(`${v.label}: ${agents.length} of ${SESSIONS} sessions running`);
  const up = { v, home, pid: doc.daemon.pid, wrappers: agents.map((a) => Number(statFields(a)[1])), setup: null as unknown as Memory, idle: null as unknown as Memory };
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
      u.idle = end;
      const ticks = cpuTicks(u.pid) - (c0[i] as number);
      const cpu = (ticks / HZ / secs) * 100;
      return `| ${u.v.label} | ${u.v.flags.join(' ') || '—'} | ${mb(u.setup.daemonRss)} | ${mb(end.daemonRss)} | ${mb(end.daemonPss)} | ` +
        `${mb(end.wrappersPss)} | **${mb(end.daemonRss + end.wrappersPss)}** | ${cpu.toFixed(3)} % (${ticks} ticks) | ` +
        `${end.daemonRss + end.wrappersPss <= TARGET_MB * 1024 ? 'met' : '**missed**'} / ${cpu <= TARGET_CPU ? 'met' : '**missed**'} |`;
    });
    const backlog = BACKLOG_MB > 0 ? await afterBacklog(ups) : '';
    return [`Idle footprint: ${SESSIONS} \`sleep\` sessions, relay link connected, every URL issued; idle window ` +
      `${(secs).toFixed(1)} s, all variants measured in the same window.`, '',
    '| variant | daemon node flags and environment | daemon RSS after set-up | daemon RSS after idle | daemon PSS | wrappers PSS | footprint (daemon RSS + wrappers PSS) | daemon idle CPU | ' +
    `footprint ≤ ${TARGET_MB} MB / CPU ≤ ${TARGET_CPU} % |`,
    '|---|---|---|---|---|---|---|---|---|', ...rows, backlog].join('\n');
  } finally {
    for (const h of homes) await h.cleanup(progress);
  }
}

/** The backlog phase (see the top of this file), all variants in the same windows; its table. */
async function afterBacklog(ups: Up[]): Promise<string> {
  const bytes = BACKLOG_MB * 786_432; // base64 makes 1 MiB of text of each 768 KiB
  progress(`each daemon: a ${BACKLOG_MB} MB backlog, stored, sent up and read by a remote client`);
  await Promise.all(ups.map(async (u) => {
    // It writes once its URL is issued (the URL is not what is measured here).
    const { id, remote } = await u.home.session('backlog', ['sh', '-c', `read go; head -c ${bytes} /dev/urandom | base64`]);
    await u.home.api('send', { session: id, text: 'go' });
    await waitFor(() => remote.complete(), `${u.v.label}: the backlog to reach the relay`, 180_000, 250);
    const { bytes: text } = await remote.output();
    if (text.length < (bytes * 4) / 3) throw new Error(`${u.v.label}: the remote client read ${text.length} bytes of ${(bytes * 4) / 3}`);
  }));
  progress(`idle again for ${IDLE_MS / 1000} s`);
  await sleep(IDLE_MS);
  const rows = ups.map((u) => {
    const m = memory(u);
    return `| ${u.v.label} | ${mb(u.idle.daemonRss + u.idle.wrappersPss)} | **${mb(m.daemonRss + m.wrappersPss)}** | ${mb(m.daemonRss)} |`;
  });
  return ['', `After a backlog: one more session wrote ${BACKLOG_MB} MB of text, the daemon stored it and sent it up, a remote ` +
    `client read all of it; then ${IDLE_MS / 1000} s idle.`, '',
  '| variant | footprint before (after the first idle window) | footprint after the backlog and idle | daemon RSS after |', '|---|---|---|---|', ...rows].join('\n');
}

if (isMain) {
  try {
    process.stdout.write(`${await footprint()}\n`);
  } catch (err) {
    process.exitCode = 1;
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
  }
}

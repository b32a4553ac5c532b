// Chaos run for docs/architecture.md guarantee 2: an agent writes numbered lines fast while the daemon is killed with
// SIGKILL again and again at random moments (each time a CLI command brings the next one up). Afterwards the
// session's output must be exactly 1..N, once each, in order, and the agent's pid must never have changed.
// Usage: scripts/chaos-kill9 [--kills 50] [--lines 20000] [--max-delay-ms 150]
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'rcd.cjs');

export interface ChaosResult {
  kills: number;
  lines: number;
  missing: number;
  duplicated: number;
  outOfOrder: number;
  pidChanges: number;
  durationMs: number;
  medianRecoveryMs: number;
  /** Processes of the chaos RCD_HOME still running after cleanup (must be none). */
  leftovers: number[];
}

function rcd(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  return new Promise((res, rej) =>
    execFile(process.execPath, [cli, ...args], { env, maxBuffer: 256 * 1024 * 1024, timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      err ? rej(new Error(`rcd ${args[0]}: ${stderr || err.message}`)) : res(stdout),
    ),
  );
}

/** Alive and not a zombie (a killed daemon re-parented to an init that does not reap stays one: it has ended). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return process.platform !== 'linux';
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids whose environment carries RCD_HOME=<home>. */
function processesOf(home: string): number[] {
  const marker = Buffer.from(`RCD_HOME=${home}\0`);
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/environ`).includes(marker) && !readFileSync(`/proc/${e}/stat`, 'utf8').includes(') Z ');
      } catch {
        return false;
      }
    })
    .map(Number);
}

export async function runChaos(opts: { kills: number; lines: number; maxDelayMs: number; log?: (s: string) => void }): Promise<ChaosResult> {
  const home = mkdtempSync('/tmp/rcd-chaos-');
  const env = { ...process.env, RCD_HOME: home, RCD_RELAY_URL: '' };
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  let result: Omit<ChaosResult, 'leftovers'>;
  try {
    const cwd = join(home, 'w');
    mkdirSync(cwd);
    // Pace the writer so that it is still writing during every kill (~kills * maxDelay/2 + recovery time).
    const everyMs = Math.max(1, Math.floor((opts.kills * (opts.maxDelayMs / 2 + 120)) / opts.lines));
    const fixture = join(root, 'test', 'fixtures', 'paced.mjs');
    await rcd(env, ['start', '--cwd', cwd, '--name', 'chaos', '--', process.execPath, fixture, String(opts.lines), String(everyMs)]);
    const status = async () => JSON.parse(await rcd(env, ['status', 'chaos', '--json'])) as {
      daemon: { pid: number };
      sessions: { pid: number | null; state: string }[];
    };
    const first = await status();
    const agentPid = first.sessions[0]?.pid as number;
    let pidChanges = 0;
    const recoveries: number[] = [];
    let daemon = first.daemon.pid;
    for (let k = 1; k <= opts.kills; k++) {
      await sleep(Math.random() * opts.maxDelayMs);
      process.kill(daemon, 'SIGKILL');
      const deadline = Date.now() + 10_000;
      while (alive(daemon)) {
        if (Date.now() > deadline) throw new Error(`daemon ${daemon} survived SIGKILL for 10 s`);
        await sleep(2);
      }
      const r0 = Date.now();
      const s = await status(); // brings the next daemon up; it re-adopts the agent
      recoveries.push(Date.now() - r0);
      daemon = s.daemon.pid;
      const pid = s.sessions[0]?.pid;
      if (s.sessions[0]?.state === 'running' && pid !== agentPid) pidChanges += 1;
      if (k % 10 === 0) log(`kill ${k}/${opts.kills}`);
    }
    const deadline = Date.now() + 120_000;
    while ((await status()).sessions[0]?.state === 'running') {
      if (Date.now() > deadline) throw new Error('the writer did not finish within 120 s');
      await sleep(50);
    }
    const out = await rcd(env, ['logs', 'chaos']);
    const got = out.split('\n');
    if (got.at(-1) === '') got.pop();
    const counts = new Map<number, number>();
    let outOfOrder = 0;
    got.forEach((line, i) => {
      const n = Number(line);
      counts.set(n, (counts.get(n) ?? 0) + 1);
      if (n !== i + 1) outOfOrder += 1;
    });
    let missing = 0;
    for (let n = 1; n <= opts.lines; n++) if (!counts.has(n)) missing += 1;
    const duplicated = [...counts.values()].filter((c) => c > 1).length;
    recoveries.sort((a, b) => a - b);
    result = {
      kills: opts.kills, lines: got.length, missing, duplicated, outOfOrder, pidChanges,
      durationMs: Date.now() - t0, medianRecoveryMs: recoveries[Math.floor(recoveries.length / 2)] ?? 0,
    };
  } finally {
    await rcd(env, ['stop', 'chaos']).catch(() => undefined);
    await rcd(env, ['shutdown']).catch(() => undefined);
    try {
      const pid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // no daemon left
    }
    rmSync(home, { recursive: true, force: true });
  }
  let leftovers = processesOf(home);
  for (let i = 0; i < 100 && leftovers.length > 0; i++) {
    await sleep(50);
    leftovers = processesOf(home);
  }
  // Reported (the run fails on them) and then killed: a failed run must not leave processes behind either.
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return { ...result, leftovers };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { kills: { type: 'string', default: '50' }, lines: { type: 'string', default: '20000' }, 'max-delay-ms': { type: 'string', default: '150' } },
  });
  const result = await runChaos({
    kills: Number(values.kills), lines: Number(values.lines), maxDelayMs: Number(values['max-delay-ms']),
    log: (s) => process.stderr.write(`${s}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const ok = result.leftovers.length === 0 && result.missing === 0 && result.duplicated === 0 && result.outOfOrder === 0 && result.pidChanges === 0 && result.lines === Number(values.lines);
  process.stdout.write(ok ? 'PASS: every line exactly once, in order; the agent pid never changed\n' : 'FAIL\n');
  process.exitCode = ok ? 0 : 1;
}

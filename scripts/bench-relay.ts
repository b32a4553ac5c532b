// scripts/bench-relay.ts: the relay link's benchmark (the first half of `npm run bench`). A real `rcd relay` on
// 127.0.0.1 (free port, temp data) and a daemon on a temp RCD_HOME linked to it; measured in-process (fetch against
// the relay's HTTP API, the daemon's unix socket for its link state; no CLI start-up in any figure):
//   1. the round trip prompt -> relay -> daemon -> agent stdin -> output -> relay -> remote client: POST a unique
//      prompt, long-poll the events until "echo: <prompt>" arrives (test/fixtures/echo.mjs); p50/p99 over N after a
//      warm-up (goal: p50 <= 10 ms), split by the reply's store time; then round trips each after 1 s idle (as real
//      prompts come), next to bare GET /api/info requests, back to back and after 1 s idle (the HTTP floor);
//   2. to `connected`: after a wake (SIGUSR2) with the relay up; after a relay kill -9 and immediate restart on the
//      same port (dominated by the link's backoff: 1 s doubling, full jitter); after an outage of S s, without and
//      with a wake as the relay comes back;
//   3. events through the link: numbered.mjs L live, from session start to the relay holding all; and backlogs
//      written while the relay was down (chatty.mjs one line per ms, numbered.mjs L), from the wake to all held;
//   4. the per-event cost of end-to-end encryption: sealing (the daemon, node:crypto) and opening (a client,
//      WebCrypto) one event of 100 B, 4 KiB and 64 KiB (the largest output chunk), AES-256-GCM in this process,
//      median of 500.
// Usage: npm run bench (runs it before scripts/bench.ts), or npm run bench:relay -- [--round-trips 200]
//   [--idle-trips 20] [--restarts 10] [--outage-s 10] [--outages 3] [--lines 200000] [--backlog 10000]
//   [--daemon-flags='--no-opt ...'] (the daemon started with exactly these node flags instead of the build's own)
// Markdown tables on stdout, progress on stderr. At the end everything is stopped, the temp dir removed and /proc
// checked for any process still carrying RCD_HOME=<home>.
import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { sealEventSync } from '../src/e2e/node-sync.js';
import { EventOpener } from '../src/e2e/records.js';
import { Home, ROOT, fixture, now, pct, sleep, waitFor, type Remote } from './relay-kit.js';

const { values } = parseArgs({
  options: {
    'round-trips': { type: 'string', default: '200' }, restarts: { type: 'string', default: '10' },
    'outage-s': { type: 'string', default: '10' }, outages: { type: 'string', default: '3' },
    lines: { type: 'string', default: '200000' }, 'daemon-flags': { type: 'string' }, 'idle-trips': { type: 'string', default: '20' }, backlog: { type: 'string', default: '10000' },
  },
});
const num = (k: keyof typeof values, min: number) => {
  const n = Number(values[k]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${k} takes a whole number >= ${min} (got ${values[k]})`);
  return n;
};
const [N, IDLE_TRIPS, RESTARTS] = [num('round-trips', 10), num('idle-trips', 0), num('restarts', 1)];
const [OUTAGE_MS, OUTAGES, LINES, BACKLOG] = [num('outage-s', 1) * 1000, num('outages', 0), num('lines', 1), num('backlog', 1)];
const [WARMUP, GOAL_P50_MS, IDLE_MS] = [20, 10, 1_000];

const progress = (msg: string) => process.stderr.write(`bench-relay: ${msg}\n`);
const h = new Home();
const rows: string[] = [];
const tputRows: string[] = [];
const f1 = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

function row(what: string, xs: number[], opts: { p99?: boolean; goal?: string; ok?: boolean } = {}): void {
  const range = xs.length <= 5 ? [...xs].sort((a, b) => a - b).map(f1).join(', ') : `${f1(Math.min(...xs))}–${f1(Math.max(...xs))}`;
  rows.push(`| ${what} | ${xs.length} | ${f1(pct(xs, 50))} | ${opts.p99 ? f1(pct(xs, 99)) : '—'} | ${range} | ` +
    `${opts.goal ?? '—'} | ${opts.ok === undefined ? '—' : opts.ok ? 'met' : '**missed**'} |`);
}

async function httpFloor(): Promise<number> {
  const t0 = now();
  await (await fetch(`${h.relay.url}/api/info`)).arrayBuffer();
  return now() - t0;
}

/** Median µs to seal and to open one event of each size (the round trips above include both). */
async function cryptoCost(): Promise<string[]> {
  const key = { epoch: 1, raw: new Uint8Array(randomBytes(32)) };
  const opener = await EventOpener.withKeys('0123456789abcdef', [key]);
  const out: string[] = [];
  for (const size of [100, 4096, 65536]) {
    const data = new Uint8Array(randomBytes(size));
    const [sealUs, openUs]: [number[], number[]] = [[], []];
    for (let i = 1; i <= 500; i++) {
      const t0 = now();
      const sealed = sealEventSync(key, '0123456789abcdef', i, 'output', data); // as the daemon's uploader seals
      const t1 = now();
      await opener.open(i, sealed);
      sealUs.push((t1 - t0) * 1000);
      openUs.push((now() - t1) * 1000);
    }
    out.push(`| ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`} | ${pct(sealUs, 50).toFixed(0)} µs | ${pct(openUs, 50).toFixed(0)} µs | ${pct(sealUs, 99).toFixed(0)} µs / ${pct(openUs, 99).toFixed(0)} µs |`);
  }
  return out;
}

interface RoundTrip { ms: number; postMs: number; toStored: number; fromStored: number }
/** `count` round trips after `warmup` ones; with `idleMs`, each is preceded by that much idle time and a bare GET. */
async function roundTrips(remote: Remote, warmup: number, count: number, idleMs = 0, floor: number[] = []): Promise<RoundTrip[]> {
  let cursor = (await remote.status()).lastSeq;
  const one = async (text: string): Promise<RoundTrip> => {
    const want = `echo: ${text}\n`;
    const [t0, wall0] = [now(), Date.now()];
    const code = await remote.prompt(text, randomUUID());
    const postMs = now() - t0;
    if (code !== 201) throw new Error(`the prompt answered ${code}`);
    let seen = '';
    for (;;) {
      const a = await remote.events(cursor, 25_000);
      for (const e of a.events) {
        cursor = e.seq;
        if (e.kind === 'output') seen += e.data.toString('utf8');
        if (seen.includes(want)) {
          // `at` is when the daemon stored the reply (wall clock, ms): it splits the trip into its two halves.
          const [ms, wall1, at] = [now() - t0, Date.now(), Date.parse(e.at)];
          return { ms, postMs, toStored: at - wall0, fromStored: wall1 - at };
        }
      }
    }
  };
  const out: RoundTrip[] = [];
  for (let i = 0; i < warmup + count; i++) {
    if (idleMs > 0) {
      await sleep(idleMs);
      floor.push(await httpFloor());
      await sleep(idleMs);
    }
    const r = await one(`rt-${i}-${randomUUID().slice(0, 8)}`);
    if (i >= warmup) out.push(r);
  }
  return out;
}

/** Waits until the link is connected with more reconnects than `before`, polling the daemon every `everyMs`. */
async function reconnected(before: number, everyMs: number): Promise<void> {
  await waitFor(async () => {
    const l = await h.link();
    return l.state === 'connected' && l.reconnects > before;
  }, 'the link to reconnect', 120_000, everyMs);
}

async function wake(): Promise<number> {
  const before = (await h.link()).reconnects;
  const t0 = now();
  process.kill((await h.status()).daemon.pid, 'SIGUSR2');
  await reconnected(before, 1);
  return now() - t0;
}

/** Kills the relay, waits `downMs`, restarts it; returns [spawn -> listening, listening -> connected, kill -> connected]. */
async function restart(downMs: number, withWake: boolean): Promise<[number, number, number]> {
  const before = (await h.link()).reconnects;
  const t0 = now();
  await h.relay.kill9();
  if (downMs > 0) await sleep(downMs);
  const startup = await h.relay.start();
  const t1 = now();
  if (withWake) process.kill((await h.status()).daemon.pid, 'SIGUSR2');
  await reconnected(before, 5);
  return [startup, now() - t1, now() - t0];
}

const mb = (bytes: number, ms: number) => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(2)} MB/s`;
function tput(what: string, events: number, lines: number, bytes: number, ms: number, note: string): void {
  tputRows.push(`| ${what} | ${events} | ${lines} | ${(bytes / 1024).toFixed(0)} KiB | ${f1(ms)} | ` +
    `${Math.round(events / (ms / 1000))} | ${Math.round(lines / (ms / 1000))} | ${mb(bytes, ms)} | ${note} |`);
}

async function liveThroughput(): Promise<void> {
  progress(`live throughput: numbered.mjs ${LINES}`);
  const [t0, wall0] = [now(), Date.now()];
  const { remote } = await h.session('numbered', [process.execPath, fixture('numbered.mjs'), String(LINES)]);
  const done = await waitFor(() => remote.complete(), 'the relay to hold every event', 300_000, 5);
  const [ms, wallEnd] = [now() - t0, Date.now()];
  const out = await remote.output();
  const expected = Array.from({ length: LINES }, (_, i) => `${i + 1}\n`).join('');
  if (out.bytes.toString('utf8') !== expected) throw new Error('the relay does not hold exactly lines 1..N');
  const first = out.chunks[0]?.at ?? wall0;
  const last = out.chunks.at(-1)?.at ?? wallEnd;
  tput(`live: \`numbered.mjs ${LINES}\`, session start → relay holds all`, done.lastSeq, LINES, out.bytes.length, ms,
    `${out.chunks.length} output chunks; start → first chunk stored ${first - wall0} ms, daemon stored the output over ` +
    `${last - first} ms, the relay held all ${Math.max(0, wallEnd - last)} ms after the last chunk was stored`);
}

/** A session writes while the relay is down; then the relay comes back and a wake reconnects: time to upload it all. */
async function backlog(what: string, name: string, args: string[], finish: (id: string) => Promise<unknown>): Promise<void> {
  progress(`backlog: ${what}, written while the relay is down`);
  // The agent waits for a "go" line, so that it writes nothing until the relay is down.
  const { id, remote } = await h.session(name, ['/bin/sh', '-c', 'read go && exec "$0" "$@"', process.execPath, ...args]);
  await h.relay.kill9();
  await h.api('send', { session: id, text: 'go' });
  await finish(id);
  await waitFor(async () => (await h.status(id)).sessions[0]?.state === 'exited', 'the agent to exit', 300_000, 100);
  await sleep(2_000); // the link's backoff is now past 1 s, so the wake below is what reconnects
  await h.relay.start();
  const held = (await remote.status()).lastSeq;
  const t0 = now();
  process.kill((await h.status()).daemon.pid, 'SIGUSR2');
  const done = await waitFor(() => remote.complete(), 'the relay to hold the backlog', 300_000, 5);
  const ms = now() - t0;
  const out = await remote.output();
  const bytes = out.chunks.filter((c) => c.seq > held).reduce((n, c) => n + c.size, 0);
  const lines = out.bytes.subarray(out.bytes.length - bytes).toString('utf8').split('\n').length - 1;
  tput(`backlog after a wake: ${what}`, done.lastSeq - held, lines, bytes, ms,
    `written while the relay was down (${held} event(s) had gone up before); time from SIGUSR2 to the relay holding all`);
}

async function main(): Promise<void> {
  progress(`RCD_HOME=${h.home}; node ${process.version}; ${availableParallelism()} cores`);
  await h.up(values['daemon-flags']?.split(' ').filter(Boolean));
  progress(`relay ${h.relay.url}; daemon linked`);
  const { remote } = await h.session('echo', [process.execPath, fixture('echo.mjs')]);
  await waitFor(async () => (await remote.output()).bytes.includes('ready\n'), 'the echo agent');

  progress('timing GET /api/info (HTTP floor)');
  const floor: number[] = [];
  for (let i = 0; i < WARMUP + 100; i++) floor.push(await httpFloor());
  floor.splice(0, WARMUP);
  row('HTTP floor: `GET /api/info` from this client (diagnostic)', floor, { p99: true });

  progress(`timing ${WARMUP} + ${N} round trips`);
  const rt = await roundTrips(remote, WARMUP, N);
  const ms = rt.map((r) => r.ms);
  row('round trip: prompt → relay → daemon → agent stdin → output → relay → remote client', ms,
    { p99: true, goal: `p50 ≤ ${GOAL_P50_MS} ms`, ok: pct(ms, 50) <= GOAL_P50_MS });
  row('… of which the prompt `POST` (relay stores it, answers 201)', rt.map((r) => r.postMs), { p99: true });
  row('… prompt sent → reply stored by the daemon (ms clock)', rt.map((r) => r.toStored), { p99: true });
  row('… reply stored → remote client has it (ms clock)', rt.map((r) => r.fromStored), { p99: true });

  if (IDLE_TRIPS > 0) {
    progress(`timing ${IDLE_TRIPS} round trips, each after ${IDLE_MS / 1000} s idle (and a bare GET after ${IDLE_MS / 1000} s idle)`);
    const idleFloor: number[] = [];
    const idle = await roundTrips(remote, 0, IDLE_TRIPS, IDLE_MS, idleFloor);
    row(`HTTP floor after ${IDLE_MS / 1000} s idle (diagnostic)`, idleFloor, { p99: true });
    row(`round trip after ${IDLE_MS / 1000} s idle (a prompt typed now and then)`, idle.map((r) => r.ms), { p99: true });
  }

  progress(`timing ${RESTARTS} wakes (SIGUSR2) with the relay up`);
  const wakes: number[] = [];
  for (let i = 0; i < RESTARTS; i++, await sleep(200)) wakes.push(await wake());
  row('wake (SIGUSR2), relay up → `connected`', wakes);

  progress(`timing ${RESTARTS} relay restarts (kill -9, restart at once)`);
  const r: [number, number, number][] = [];
  for (let i = 0; i < RESTARTS; i++, await sleep(500)) r.push(await restart(0, false));
  row('relay start-up: spawn → listening (diagnostic)', r.map((x) => x[0]));
  row('relay restart: listening → `connected`', r.map((x) => x[1]));
  row('relay restart: kill -9 → `connected`', r.map((x) => x[2]));

  if (OUTAGES > 0) {
    progress(`timing ${OUTAGES} x 2 outages of ${OUTAGE_MS / 1000} s`);
    const [plain, woken]: [[number, number, number][], [number, number, number][]] = [[], []];
    for (let i = 0; i < OUTAGES; i++) {
      plain.push(await restart(OUTAGE_MS, false));
      woken.push(await restart(OUTAGE_MS, true));
    }
    row(`after a ${OUTAGE_MS / 1000} s outage: relay back (listening) → \`connected\`, no wake`, plain.map((x) => x[1]));
    row(`after a ${OUTAGE_MS / 1000} s outage: relay back, wake (SIGUSR2) at once → \`connected\``, woken.map((x) => x[1]));
  }

  await liveThroughput();
  await backlog(`\`chatty.mjs ${BACKLOG} 1\` (one line per ms: small events)`, 'small', [fixture('chatty.mjs'), String(BACKLOG), '1'],
    async (id) => {
      await waitFor(async () => (await h.api<string>('logs', { session: id })).includes(`line ${BACKLOG}\n`), 'the writer', 300_000, 250);
      await h.api('send', { session: id, text: 'bye' });
    });
  await backlog(`\`numbered.mjs ${LINES}\` (as fast as it can)`, 'bulk', [fixture('numbered.mjs'), String(LINES)], async () => undefined);

  progress('timing the per-event crypto (seal and open)');
  const cryptoRows = await cryptoCost();
  const rev = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || 'unknown';
  process.stdout.write([
    '', `rcd relay link benchmark (${rev}): node ${process.version}, ${availableParallelism()} cores, loopback (127.0.0.1), ` +
    `${N} round trips after ${WARMUP} warm-up; link state read from the daemon's socket.`, '',
    '| measurement | samples | p50 / median | p99 | min–max (every sample when ≤ 5) | goal | result |', '|---|---|---|---|---|---|---|', ...rows, '',
    'Events through the link (an event is one stored output chunk of up to 64 KiB, or a state change).', '',
    '| run | events | lines | output | time | events/s | lines/s | MB/s | notes |', '|---|---|---|---|---|---|---|---|---|', ...tputRows, '',
    'End-to-end encryption per event (AES-256-GCM, WebCrypto, in this process; the round trips above include it).', '',
    '| event size | seal (daemon: node:crypto), median | open (client: WebCrypto), median | p99 seal / open |', '|---|---|---|---|', ...cryptoRows, '',
  ].join('\n'));
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  progress(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  progress('cleaning up');
  if ((await h.cleanup(progress)).length > 0) process.exitCode = 1;
}

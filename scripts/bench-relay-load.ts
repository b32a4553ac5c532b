// scripts/bench-relay-load.ts: how many daemons one relay instance carries (issue 17). For each level it starts a
// fresh `rcd relay` (child process, 127.0.0.1, free port, temp data), then plays N daemons and their clients against
// it over the real protocol (src/protocol/relay.ts), from this one process:
//   - each daemon registers, PUTs 4 sessions (with a URL each), holds its instruction long-poll (acking what it gets);
//   - 20 % of daemons are busy: every 2 s one upload of 20 sealed-looking events (~150 characters each) to session 0;
//   - a follower long-polls session 0's events on a quarter of the daemons (through its URL, as the page does);
//   - one prompt a second, sealed-looking, POSTed to a random daemon's session URL.
// After a warm-up it measures for --seconds: the relay's CPU (/proc ticks, % of one core) and RSS, p50/p99 of upload
// (request to answer), prompt (POST sent to the daemon's poll answer holding it) and follower (upload sent to the
// follower's answer holding it), errors by kind, poll refusals, disk growth of relay.db + WAL, and this process's own
// CPU (if it nears 100 % the generator, not the relay, is the limit).
// A refused poll (503/429) is handled as the link does (--link new: retry after retry-after + jitter, uploads go on)
// or as the link did before issue 17 (--link old: the whole cycle aborts, backs off 1 s doubling to 30 s with full
// jitter, no uploads meanwhile, every session PUT again on reconnect), to reproduce the earlier figures.
// With --store postgres --instances K it starts K relays sharing one PostgreSQL database (a throwaway cluster, see
// test/helpers/postgres.ts): daemon i links to instance i mod K, and its follower and the prompts to it go through the
// next instance, so that every wake-up crosses instances (LISTEN/NOTIFY); CPU is reported per instance and for
// PostgreSQL's processes, disk growth as the database's.
// Usage: npm run bench:relay-load -- --daemons 500,2000 [--seconds 30] [--warmup-s 10] [--link new|old]
//   [--store sqlite|postgres] [--instances K] [--keep-data]   (--keep-data: leave each level's relay data and logs)
//   [--pin]   (the relays on CPU 0, this generator on CPU 1, with taskset: neither takes the other's core)
//   [--relay-arg=--max-long-polls=20000 ...] [--cli path/to/rcd.cjs --old-relay]   (--cli: another build's relay)
// A markdown table on stdout, progress on stderr; every relay it started is stopped and its data removed.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPgCluster, type PgCluster } from '../test/helpers/postgres.js';
import { cpuTicks, rssKB } from './proc-stats.js';
import { CLI, now, pct, sleep, spawnRelay } from './relay-kit.js';

const { values } = parseArgs({
  options: {
    daemons: { type: 'string', default: '500,2000' }, seconds: { type: 'string', default: '30' }, 'warmup-s': { type: 'string', default: '10' },
    link: { type: 'string', default: 'new' }, 'relay-arg': { type: 'string', multiple: true, default: [] },
    'busy-share': { type: 'string', default: '0.2' }, 'old-relay': { type: 'boolean', default: false }, cli: { type: 'string', default: CLI }, 'follower-share': { type: 'string', default: '0.25' },
    store: { type: 'string', default: 'sqlite' }, instances: { type: 'string', default: '1' }, 'keep-data': { type: 'boolean', default: false }, pin: { type: 'boolean', default: false },
  },
});
const LEVELS = String(values.daemons).split(',').map(Number);
if (LEVELS.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--daemons takes whole numbers, comma-separated');
const SECONDS = Number(values.seconds);
const WARMUP_S = Number(values['warmup-s']);
const OLD_LINK = values.link === 'old';
// A relay from before issue 17 knows no --established-after: its daemons, all registered a moment ago, then get only
// half of the long-poll slots (handlers/long-poll.ts).
const OLD_RELAY = values['old-relay'] === true;
const BUSY_SHARE = Number(values['busy-share']);
const FOLLOWER_SHARE = Number(values['follower-share']);
const SESSIONS = 4;
const LINES = 20;
const UPLOAD_EVERY_MS = 2_000;
const PROMPT_EVERY_MS = 1_000;
const HOLD_MS = 25_000;
const POSTGRES = values.store === 'postgres';
const INSTANCES = Number(values.instances);
if (!Number.isInteger(INSTANCES) || INSTANCES < 1 || (INSTANCES > 1 && !POSTGRES)) throw new Error('--instances K (K > 1 needs --store postgres)');
const TICK_MS = 10; // /proc CPU ticks (USER_HZ 100)

const progress = (msg: string) => process.stderr.write(`bench-relay-load: ${msg}\n`);
// Idle sockets close on this side before the relay's keep-alive (35 s, src/relay/server.ts) closes them under a request.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 100_000, keepAliveMsecs: 30_000, timeout: 30_000 });
interface Answer { status: number; body: unknown; retryAfterMs: number }

function call(origin: string, method: string, path: string, body?: unknown, auth?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${origin}${path}`, {
      method, agent,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          parsed = text;
        }
        const ra = Number(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 0, body: parsed, retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : 0 });
      });
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const b64 = (n: number) => randomBytes(n).toString('base64url');
const sealed = (n: number) => `1.${b64(12)}.${b64(n)}`;

/** What one level measured (only samples taken inside the window count). */
class Stats {
  measuring = false;
  upload: number[] = [];
  prompt: number[] = [];
  follower: number[] = [];
  errors = new Map<string, number>();
  pollRefused = 0;
  followerRefused = 0;
  reconnects = 0;
  unsent = 0;
  uploaded = 0;
  error(kind: string): void {
    if (this.measuring) this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }
}

interface Session { id: string; token: string; seq: number; sent: Map<number, number> }

class Daemon {
  id = '';
  credential = '';
  sessions: Session[] = [];
  down = false; // old link: between an aborted cycle and its reconnect
  private backoffMs = 1_000;
  constructor(
    private readonly st: Stats, readonly busy: boolean, readonly followed: boolean, private readonly prompts: Map<string, number>, private readonly stop: { now: boolean },
    /** The instance it links to, and the one its follower and prompts come through. */
    readonly home: string, readonly away: string,
  ) {}

  async register(): Promise<void> {
    const r = await call(this.home, 'POST', '/api/daemon/register', {});
    if (r.status !== 200) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
    ({ daemonId: this.id, credential: this.credential } = r.body as { daemonId: string; credential: string });
    for (let i = 0; i < SESSIONS; i++) {
      const token = b64(32);
      this.sessions.push({ id: randomBytes(8).toString('hex'), token, seq: 0, sent: new Map() });
    }
    await this.putAll();
  }

  async putAll(): Promise<void> {
    for (const s of this.sessions) {
      const r = await call(this.home, 'PUT', `/api/daemon/sessions/${s.id}`, {
        session: { id: s.id, live: true, updatedAt: new Date().toISOString(), lastSeq: s.seq, sealed: sealed(200) },
        access: { tokenHash: createHash('sha256').update(s.token).digest('hex'), readHash: null, expiresAt: null, envelope: b64(120) },
        deviceEnvelope: null,
      }, this.credential);
      if (r.status !== 200) throw new Error(`PUT session: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }

  /** The old link: a refused poll ended the cycle; back off, PUT every session again, then carry on. */
  private async reconnect(retryAfterMs: number): Promise<void> {
    this.down = true;
    const delay = Math.max(Math.random() * this.backoffMs, retryAfterMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    await sleep(delay);
    for (;;) {
      try {
        await this.putAll();
        break;
      } catch {
        this.st.error('reconnect PUT');
        await sleep(Math.random() * this.backoffMs);
      }
    }
    if (this.st.measuring) this.st.reconnects++;
    this.down = false;
  }

  async pollLoop(): Promise<void> {
    while (!this.stop.now) {
      let r: Answer;
      try {
        r = await call(this.home, 'GET', `/api/daemon/poll?wait=${HOLD_MS}`, undefined, this.credential);
      } catch {
        this.st.error('poll: network');
        await sleep(1000 + Math.random() * 1000);
        continue;
      }
      if (r.status === 503 || r.status === 429) {
        if (this.st.measuring) this.st.pollRefused++;
        if (OLD_LINK) await this.reconnect(r.retryAfterMs);
        else await sleep(Math.max(r.retryAfterMs, 1000) + Math.random() * 1000);
        continue;
      }
      if (r.status !== 200) {
        this.st.error(`poll: ${r.status}`);
        await sleep(1000);
        continue;
      }
      this.backoffMs = 1_000;
      const list = (r.body as { instructions: { id: string; payload: { nonce: string } }[] }).instructions;
      if (list.length === 0) continue;
      const t = now();
      for (const i of list) {
        const sent = this.prompts.get(i.payload.nonce);
        if (sent !== undefined) {
          if (this.st.measuring) this.st.prompt.push(t - sent);
          this.prompts.delete(i.payload.nonce);
        }
      }
      try {
        const a = await call(this.home, 'POST', '/api/daemon/ack', { ids: list.map((i) => i.id) }, this.credential);
        if (a.status !== 200) this.st.error(`ack: ${a.status}`);
      } catch {
        this.st.error('ack: network');
      }
    }
  }

  async uploadLoop(): Promise<void> {
    await sleep(Math.random() * UPLOAD_EVERY_MS);
    const s = this.sessions[0] as Session;
    while (!this.stop.now) {
      const next = now() + UPLOAD_EVERY_MS;
      if (this.down) {
        if (this.st.measuring) this.st.unsent += LINES;
      } else {
        const at = new Date().toISOString();
        const events = Array.from({ length: LINES }, (_, k) => ({ seq: s.seq + k + 1, at, kind: 'sealed', data: sealed(110) }));
        const t0 = now();
        if (this.followed) s.sent.set(s.seq + LINES, t0);
        try {
          const r = await call(this.home, 'POST', '/api/daemon/events', { sessions: [{ id: s.id, events }] }, this.credential);
          if (r.status === 200) {
            if (this.st.measuring) {
              this.st.upload.push(now() - t0);
              this.st.uploaded += LINES;
            }
            s.seq = (r.body as { acked: Record<string, number> }).acked[s.id] ?? s.seq;
          } else {
            this.st.error(`upload: ${r.status}`);
          }
        } catch {
          this.st.error('upload: network');
        }
      }
      await sleep(Math.max(0, next - now()));
    }
  }

  async followLoop(): Promise<void> {
    const s = this.sessions[0] as Session;
    let after = 0;
    let view = '';
    while (!this.stop.now) {
      let r: Answer;
      try {
        r = await call(this.away, 'GET', `/api/s/${s.token}/events?after=${after}&wait=${HOLD_MS}${view ? `&view=${view}` : ''}`);
      } catch {
        this.st.error('follower: network');
        await sleep(1000);
        continue;
      }
      if (r.status === 503 || r.status === 429) {
        if (this.st.measuring) this.st.followerRefused++;
        // The page's backoff before issue 17: 1 s (retry-after, 2 s, is what it honours now).
        await sleep(Math.max(1000, OLD_LINK ? 0 : r.retryAfterMs) + Math.random() * 1000);
        continue;
      }
      if (r.status !== 200) {
        this.st.error(`follower: ${r.status}`);
        await sleep(1000);
        continue;
      }
      const t = now();
      const body = r.body as { events: { seq: number }[]; view: string };
      view = body.view;
      for (const e of body.events) {
        after = e.seq;
        const sent = s.sent.get(e.seq);
        if (sent !== undefined) {
          if (this.st.measuring) this.st.follower.push(t - sent);
          s.sent.delete(e.seq);
        }
      }
      if (s.sent.size > 100) s.sent.clear();
    }
  }
}

async function startRelay(data: string, store: string | null): Promise<{ child: ChildProcess; url: string }> {
  const args = ['--host', '127.0.0.1', '--port', '0', '--data', data, ...(store ? ['--store', store] : []),
    '--register-burst', '1000000', '--register-per-hour', '3600000', ...(OLD_RELAY ? [] : ['--established-after', '0s']), ...(values['relay-arg'] as string[])];
  const { child, url } = await spawnRelay(String(values.cli), args);
  if (values.pin) spawnSync('taskset', ['-a', '-pc', '0', String(child.pid)], { stdio: 'ignore' });
  return { child, url };
}

async function inBatches<T>(items: readonly T[], width: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await f(items[next++] as T);
  }));
}

const diskBytes = (data: string) => ['relay.db', 'relay.db-wal'].reduce((n, f) => {
  try {
    return n + statSync(join(data, f)).size;
  } catch {
    return n;
  }
}, 0);

let cluster: PgCluster | null = null;

/** PostgreSQL's server processes: the postmaster and its children (backends, writers), from /proc. */
function pgPids(c: PgCluster): number[] {
  const master = Number(readFileSync(join(c.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === master;
    } catch {
      return false;
    }
  }).map(Number);
  return [master, ...kids];
}

/** CPU ticks of each PostgreSQL process now (one that exits while being read is left out). */
function pgTicks(c: PgCluster): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of pgPids(c)) {
    try {
      out.set(p, cpuTicks(p));
    } catch {
      // gone
    }
  }
  return out;
}

async function dbBytes(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function level(n: number): Promise<string> {
  const data = mkdtempSync(join(tmpdir(), 'rcd-relay-load-'));
  if (POSTGRES) cluster ??= startPgCluster();
  const store = cluster ? await cluster.createDatabase('load') : null;
  const relays: { child: ChildProcess; url: string }[] = [];
  for (let i = 0; i < INSTANCES; i++) relays.push(await startRelay(join(data, `i${i}`), store));
  const pids = relays.map((r) => r.child.pid as number);
  const disk = async () => (store ? dbBytes(store) : diskBytes(join(data, 'i0')));
  const st = new Stats();
  const stop = { now: false };
  const prompts = new Map<string, number>();
  const loops: Promise<void>[] = [];
  try {
    const daemons = Array.from({ length: n }, (_, i) => new Daemon(st, i % Math.round(1 / BUSY_SHARE) === 0, i % Math.round(1 / FOLLOWER_SHARE) === 1, prompts, stop,
      (relays[i % INSTANCES] as { url: string }).url, (relays[(i + 1) % INSTANCES] as { url: string }).url));
    const t0 = now();
    await inBatches(daemons, 32, (d) => d.register());
    progress(`${n} daemons: registered with ${n * SESSIONS} sessions in ${((now() - t0) / 1000).toFixed(1)} s`);
    // The long-polls start over a few seconds, as daemons do (they do not all connect in the same millisecond).
    const spread = Math.min(5_000, n);
    for (const d of daemons) {
      loops.push((async () => {
        await sleep(Math.random() * spread);
        await Promise.all([d.pollLoop(), d.busy ? d.uploadLoop() : null, d.followed ? d.followLoop() : null]);
      })());
    }
    const withFollower = daemons.filter((d) => d.followed);
    loops.push((async () => {
      while (!stop.now) {
        const d = withFollower[Math.floor(Math.random() * withFollower.length)] as Daemon;
        const s = d.sessions[0] as Session;
        const nonce = b64(16);
        prompts.set(nonce, now());
        try {
          const r = await call(d.away, 'POST', `/api/s/${s.token}/instructions`, { nonce, sealed: sealed(200), proof: b64(32) });
          if (r.status !== 201 && r.status !== 200) st.error(`prompt: ${r.status}`);
        } catch {
          st.error('prompt: network');
        }
        await sleep(PROMPT_EVERY_MS);
      }
    })());
    await sleep(spread + WARMUP_S * 1000);
    const pgTicks0 = cluster ? pgTicks(cluster) : new Map<number, number>();
    const [ticks0, cpu0, disk0, t1] = [pids.map(cpuTicks), process.cpuUsage(), await disk(), now()];
    st.measuring = true;
    let rssMax = 0;
    while (now() - t1 < SECONDS * 1000) {
      await sleep(1000);
      rssMax = Math.max(rssMax, ...pids.map(rssKB));
    }
    st.measuring = false;
    const secs = (now() - t1) / 1000;
    const pctOf = (ticks: number) => (ticks * TICK_MS) / (secs * 1000) * 100;
    const cpus = pids.map((p, i) => pctOf(cpuTicks(p) - (ticks0[i] as number)));
    // Per process: what it used in the window (all of it for one started meanwhile); one that exited meanwhile is not
    // counted (the pools keep their connections, so there are few).
    const pgTicks1 = cluster ? pgTicks(cluster) : new Map<number, number>();
    const pgCpu = pctOf(sum([...pgTicks1].map(([p, t]) => t - (pgTicks0.get(p) ?? 0))));
    const cpu = sum(cpus);
    const genUs = process.cpuUsage(cpu0);
    const gen = (genUs.user + genUs.system) / 1000 / (secs * 1000) * 100;
    const growth = ((await disk()) - disk0) / secs / 1024;
    stop.now = true;
    const errs = [...st.errors].map(([k, v]) => `${k} ×${v}`).join(', ') || '0';
    const f = (xs: number[]) => (xs.length ? `${pct(xs, 50).toFixed(1)} / ${pct(xs, 99).toFixed(1)}` : '—');
    const cpuText = INSTANCES > 1 ? `${cpus.map((c) => c.toFixed(0)).join(' + ')} %` : `${cpu.toFixed(0)} %`;
    progress(`${n}: relay CPU ${cpuText}${cluster ? `, PostgreSQL ${pgCpu.toFixed(0)} %` : ''}, RSS ${(rssMax / 1024).toFixed(0)} MB, uploads ${st.upload.length}, prompts ${st.prompt.length}, follower answers ${st.follower.length}, errors ${errs}`);
    return `| ${n} | ${cpuText}${cluster ? ` (PostgreSQL ${pgCpu.toFixed(0)} %)` : ''} | ${(rssMax / 1024).toFixed(0)} MB | ${f(st.upload)} | ${f(st.prompt)} | ${f(st.follower)} | ` +
      `${(st.upload.length / secs).toFixed(0)} | ${st.pollRefused} / ${st.followerRefused} | ${st.reconnects} | ${st.unsent} | ${errs} | ${growth.toFixed(0)} KiB/s | ${gen.toFixed(0)} % |`;
  } finally {
    stop.now = true;
    // Held polls end when the relay answers them at shutdown; the loops then see stop.now and return.
    await Promise.all(relays.map(async (relay) => {
      const exited = new Promise((r) => relay.child.once('exit', r));
      relay.child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (relay.child.exitCode === null && relay.child.signalCode === null) relay.child.kill('SIGKILL');
    }));
    agent.destroy();
    await Promise.race([Promise.allSettled(loops), sleep(5_000)]);
    if (values['keep-data']) progress(`relay data (logs) kept in ${data}`);
    else rmSync(data, { recursive: true, force: true });
  }
}

if (values.pin) spawnSync('taskset', ['-a', '-pc', '1', String(process.pid)], { stdio: 'ignore' });
const rows: string[] = [];
try {
  for (const n of LEVELS) rows.push(await level(n));
} finally {
  (cluster as PgCluster | null)?.stop(); // set inside level()
}
process.stdout.write([
  `Store: ${POSTGRES ? `PostgreSQL, ${INSTANCES} instance(s)` : 'SQLite, 1 instance'}${values.pin ? '; relays pinned to CPU 0, generator to CPU 1' : ''}; link: ${OLD_LINK ? 'old (a refused poll aborts the cycle)' : 'new (a refused poll is retried alone)'}; relay args: ${(values['relay-arg'] as string[]).join(' ') || 'defaults'}; ${SECONDS} s measured after ${WARMUP_S} s warm-up`,
  '',
  '| daemons | relay CPU | RSS (largest instance) | upload p50 / p99 ms | prompt p50 / p99 ms | follower p50 / p99 ms | uploads/s | refused polls (daemon / follower) | reconnects | events unsent | errors | disk growth | generator CPU |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows, '',
].join('\n'));
process.exit(0);

// scripts/relay-kit.ts: what bench-relay.ts and chaos-relay.ts share. A real `rcd relay` process on 127.0.0.1
// (restartable on the same port and data, killable with SIGKILL), a daemon on a temp RCD_HOME linked to it and
// driven in-process over its unix socket (raw HTTP, as the CLI does), a remote client of one session through the
// relay's HTTP API (fetch), and a cleanup that stops everything and checks /proc that no process of the home is left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { socketRequest } from '../src/cli/socket-http.js';
import { daemonEnv } from '../src/common/daemon-flags.js';
import { socketPath } from '../src/common/paths.js';
import { sealInstruction } from '../src/e2e/instructions.js';
import { EventOpener } from '../src/e2e/records.js';
import { parseSessionUrl, urlCredential, type SessionUrl } from '../src/e2e/url.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist', 'rcd.cjs');
export const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic
const LIVE = ['starting', 'running', 'restarting', 'stopping'];

/** Polls `check` every `everyMs` until it returns a truthy value; throws after `timeoutMs` naming `what`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000, everyMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

/** Spawns `rcd relay` (the CLI at `cli`) with `args` and waits until it listens; its URL and port. */
export async function spawnRelay(cli: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = spawn(process.execPath, [cli, 'relay', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const m = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the relay exited ${child.exitCode}: ${err.trim()}`);
    return /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
  }, 'the relay to listen', 15_000, 2);
  return { child, url: m[1] as string, port: Number(m[2]) };
}

export class Relay {
  url = '';
  port = 0;
  private child: ChildProcess | null = null;

  constructor(readonly dataDir: string, private readonly env: NodeJS.ProcessEnv) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts it (on the same port as before, after the first start) and returns ms from spawn to listening. */
  async start(): Promise<number> {
    const t0 = now();
    // The per-daemon upload limit (50 a second) is lifted: the round-trip benchmark sends prompts back to back, about
    // 600 uploads a second from one daemon, and measures the path's latency, not the relay's pacing of it.
    const r = await spawnRelay(CLI, ['--host', '127.0.0.1', '--port', String(this.port), '--data', this.dataDir, '--max-uploads-per-second', '1000000'], this.env);
    this.child = r.child;
    this.url = r.url;
    this.port = r.port;
    return now() - t0;
  }

  /** SIGKILL: no goodbye, as a crash or a power loss. */
  kill9(): Promise<void> {
    return this.stopWith('SIGKILL');
  }

  stop(): Promise<void> {
    return this.stopWith('SIGTERM');
  }

  private async stopWith(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    await exited;
  }
}

export interface Link { state: string; reconnects: number; error: string | null }
export interface SessionInfo { id: string; state: string; pid: number | null }
interface Status { daemon: { pid: number; link: Link }; sessions: SessionInfo[] }

/** A temp RCD_HOME under /tmp (short socket path), its relay and its daemon, driven over the unix socket. */
export class Home {
  readonly home = mkdtempSync('/tmp/rcd-relay-');
  readonly env: NodeJS.ProcessEnv = { ...process.env, RCD_HOME: this.home, RCD_RELAY_URL: '' };
  readonly relay: Relay;
  private readonly socket: string;

  constructor() {
    delete this.env.NODE_OPTIONS;
    this.relay = new Relay(join(this.home, 'relay-data'), this.env);
    this.socket = socketPath(this.home, this.env);
  }

  /**
   * Starts the relay, then the daemon linked to it (through one CLI call, which autostarts it with the build's own
   * node flags; or, given `daemonFlags`, started directly with exactly those), and waits for the link.
   */
  async up(daemonFlags?: readonly string[]): Promise<void> {
    await this.relay.start();
    this.env.RCD_RELAY_URL = this.relay.url;
    if (daemonFlags) {
      spawn(process.execPath, [...daemonFlags, CLI, 'daemon'], { env: daemonEnv(this.env), detached: true, stdio: 'ignore' }).unref();
    } else {
      const r = spawnSync(process.execPath, [CLI, 'status', '--json'], { env: this.env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`rcd status exited ${r.status}: ${r.stderr}`);
    }
    // A daemon started directly has no socket for a moment: not yet connected, not a failure.
    await waitFor(() => this.link().then((l) => l.state === 'connected', () => false), 'the link to connect', 15_000);
  }

  /** One control-API call over the unix socket. */
  async api<T>(verb: string, body: object = {}): Promise<T> {
    const res = await socketRequest(this.socket, `/v1/${verb}`, JSON.stringify(body));
    if (res.status >= 400) throw new Error(`${verb} answered ${res.status}: ${res.body}`);
    return (verb === 'logs' ? res.body : JSON.parse(res.body)) as T;
  }

  status(session?: string): Promise<Status> {
    return this.api<Status>('status', session ? { session } : {});
  }

  async link(): Promise<Link> {
    return (await this.status()).daemon.link;
  }

  /** Starts a session in its own directory; returns its id and the token of its URL (issued through the relay). */
  async session(name: string, command: string[]): Promise<{ id: string; remote: Remote }> {
    const cwd = join(this.home, 'w', name);
    mkdirSync(cwd, { recursive: true });
    const { session } = await this.api<{ session: SessionInfo }>('start', { cwd, name, agent: 'generic', command, env: this.env });
    return { id: session.id, remote: await this.remote(session.id) };
  }

  async remote(session: string): Promise<Remote> {
    const { url } = await this.api<{ url: string }>('url', { session });
    return Remote.open(url);
  }

  processes(): number[] {
    const marker = Buffer.from(`RCD_HOME=${this.home}\0`);
    return readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid).filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') && readFileSync(`/proc/${e}/environ`).includes(marker);
      } catch {
        return false; // gone already, or not ours to read
      }
    }).map(Number);
  }

  /** Stops live sessions, shuts the daemon down, stops the relay, kills anything left; returns what had to be killed. */
  async cleanup(log: (s: string) => void): Promise<number[]> {
    try {
      for (const s of (await this.status()).sessions) if (LIVE.includes(s.state)) await this.api('stop', { session: s.id });
      await this.api('shutdown');
    } catch (err) {
      log(`orderly cleanup failed (${(err as Error).message}); killing what is left`);
    }
    await this.relay.stop();
    let left = this.processes();
    for (let i = 0; i < 100 && left.length > 0; i++, left = this.processes()) await sleep(50);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.home, { recursive: true, force: true });
    await sleep(200);
    const still = this.processes();
    log(still.length ? `WARNING: still running: ${still.join(' ')}` : 'verified: no process of this RCD_HOME is left');
    return [...left, ...still];
  }
}

export interface RemoteStatus { session: { live: boolean; lastSeq: number }; lastSeq: number; daemonOnline: boolean; envelope: string | null }
/** An event as a client reads it: opened (the relay serves them sealed); `data` is the bytes. */
export interface RemoteEvent { seq: number; at: string; kind: 'output' | 'state'; data: Buffer }
export interface EventsAnswer { events: RemoteEvent[]; gap: boolean; more: boolean }

/** A remote client of one session: what a phone or `rcd remote` does, with fetch against the relay's API. */
export class Remote {
  private opener: EventOpener | null = null;
  /** Sealed prompts by the caller's idempotency key: a retry sends the same body. */
  private readonly sent = new Map<string, string>();

  /** The session's content keys, from the envelope the relay hands this URL (fetched once). */
  private async keys(): Promise<EventOpener> {
    if (!this.opener) {
      const { envelope } = await this.status();
      if (!envelope) throw new Error('the relay has no envelope for this URL yet');
      this.opener = await EventOpener.forUrl(this.url, envelope);
    }
    return this.opener;
  }

  private constructor(private readonly api: string, private readonly url: SessionUrl) {}

  /** The client of a session URL: the credential derived from the key after # goes in the path, as rcd remote does. */
  static async open(sessionUrl: string): Promise<Remote> {
    const u = parseSessionUrl(sessionUrl);
    return new Remote(`${u.base}/api/s/${await urlCredential(u)}`, u);
  }

  private path(tail = ''): string {
    return `${this.api}${tail}`;
  }

  private async json<T>(res: Response, what: string): Promise<T> {
    const body = await res.text();
    if (!res.ok) throw new Error(`${what} answered ${res.status}: ${body.slice(0, 200)}`);
    return JSON.parse(body) as T;
  }

  async status(): Promise<RemoteStatus> {
    return this.json(await fetch(this.path(), { signal: AbortSignal.timeout(10_000) }), 'status');
  }

  /** Events after `after`, opened with the envelope's keys (as rcd remote and the page do; timed with the rest). */
  async events(after: number, waitMs = 0): Promise<EventsAnswer> {
    const sealed = await this.json<{ events: { seq: number; at: string; kind: string; data: string }[]; gap: boolean; more: boolean }>(
      await fetch(this.path(`/events?after=${after}&wait=${waitMs}`), { signal: AbortSignal.timeout(waitMs + 15_000) }), 'events');
    const opener = await this.keys();
    const events: RemoteEvent[] = [];
    for (const e of sealed.events) {
      const opened = await opener.read(e);
      events.push({ seq: e.seq, at: e.at, kind: opened.kind, data: Buffer.from(opened.data) });
    }
    return { events, gap: sealed.gap, more: sealed.more };
  }

  /**
   * Sends a prompt, sealed and proved as rcd remote does; a retry with the same `idempotencyKey` sends the same sealed
   * body (its nonce is the relay's idempotency key). Returns the HTTP status (201 accepted, 200 a repeat of an
   * accepted one). Throws when unreachable.
   */
  async prompt(text: string, idempotencyKey: string): Promise<number> {
    const opener = await this.keys();
    let body = this.sent.get(idempotencyKey);
    if (!body) {
      body = JSON.stringify(await sealInstruction(this.url.secret, opener, this.url.sessionId, { kind: 'prompt', text }));
      this.sent.set(idempotencyKey, body);
    }
    const res = await fetch(this.path('/instructions'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** The relay holds every event the daemon had when it reported the session's final state. */
  async complete(): Promise<RemoteStatus | null> {
    const s = await this.status();
    return !s.session.live && s.lastSeq >= s.session.lastSeq ? s : null;
  }

  /** Every output event the relay serves, concatenated, and each one's seq, store time and size. */
  async output(): Promise<{ bytes: Buffer; chunks: { seq: number; at: number; size: number }[]; lastSeq: number }> {
    const parts: Buffer[] = [];
    const chunks: { seq: number; at: number; size: number }[] = [];
    let after = 0;
    for (let a = await this.events(0); a.events.length > 0; a = await this.events(after)) {
      for (const e of a.events) {
        after = e.seq;
        if (e.kind !== 'output') continue;
        const b = e.data;
        parts.push(b);
        chunks.push({ seq: e.seq, at: Date.parse(e.at), size: b.length });
      }
    }
    return { bytes: Buffer.concat(parts), chunks, lastSeq: after };
  }
}

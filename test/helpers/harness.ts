// Integration-test harness: a real daemon on a temp RCD_HOME, driven through the real built CLI, and a
// check that nothing started for that home is left running afterwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = join(ROOT, 'dist', 'rcd.cjs');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const fixture = (name: string) => join(FIXTURES, name);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for output that is not UTF-8. */
  raw: Buffer;
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `p`, or a failure naming `what` if it has not settled within `ms`: a test waits for nothing forever. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Alive and not a zombie (one re-parented to an init that does not reap stays a zombie: it has ended). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

/** Every process whose environment carries RCD_HOME=<home>: the daemon, wrappers and agents of that home. */
export function processesOf(home: string): number[] {
  const marker = Buffer.from(`RCD_HOME=${home}\0`);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // zombies are already dead
      if (environ.includes(marker)) found.push(Number(entry));
    } catch {
      // gone already, or not ours
    }
  }
  return found;
}

export class Rcd {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(prefix = 'rcd-') {
    // /tmp keeps the socket path short; a unique dir per test keeps tests independent.
    this.home = mkdtempSync(join('/tmp', prefix));
    this.env = { ...process.env, RCD_HOME: this.home, RCD_RELAY_URL: '' };
    delete this.env.NODE_OPTIONS;
    // Nothing a test starts may reach past this machine: no proxy from the caller's environment (the link honours
    // HTTP(S)_PROXY), and no Claude Code or Anthropic settings of the person running the tests.
    for (const k of Object.keys(this.env)) {
      if (/^(https?|all|no)_proxy$/i.test(k) || /^(ANTHROPIC_|CLAUDE_)/.test(k)) delete this.env[k];
    }
    this.env.NO_PROXY = '127.0.0.1,localhost,::1';
  }

  /** A fresh directory under the home for a session to work in. */
  workdir(name: string): string {
    const d = join(this.home, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  writeConfig(config: Record<string, unknown>): void {
    writeFileSync(join(this.home, 'config.json'), JSON.stringify(config));
  }

  run(args: string[], opts: { input?: string; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: opts.cwd ?? this.home,
        env: { ...this.env, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`rcd ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 30_000} ms`));
      }, opts.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        const raw = Buffer.concat(out);
        resolvePromise({ code: code ?? -1, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
      });
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Runs a command that must succeed; returns its stdout. */
  async ok(args: string[], opts: Parameters<Rcd['run']>[1] = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`rcd ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async status(session?: string): Promise<StatusDoc> {
    return JSON.parse(await this.ok(['status', ...(session ? [session] : []), '--json'])) as StatusDoc;
  }

  async session(ref: string): Promise<SessionDoc> {
    const doc = await this.status(ref);
    return doc.sessions[0] as SessionDoc;
  }

  async logs(ref: string): Promise<string> {
    return this.ok(['logs', ref]);
  }

  daemonPid(): number | null {
    try {
      return Number.parseInt(readFileSync(join(this.home, 'daemon.pid'), 'utf8'), 10);
    } catch {
      return null;
    }
  }

  leftovers(): number[] {
    return processesOf(this.home);
  }

  /** Stops every live session, shuts the daemon down and waits until no process of this home is left. */
  async teardown(): Promise<number[]> {
    try {
      // Talking to the daemon starts one when none runs; only do that when there is something left to stop.
      const daemon = this.daemonPid();
      if ((daemon === null || !isAlive(daemon)) && this.leftovers().length === 0) throw new Error('nothing to stop');
      const doc = await this.status();
      for (const s of doc.sessions) {
        if (['starting', 'running', 'restarting', 'stopping'].includes(s.state)) await this.run(['stop', s.id]);
      }
      await this.run(['shutdown']);
    } catch {
      // fall through to the hard cleanup below
    }
    let left: number[] = [];
    try {
      await waitFor(() => (left = this.leftovers()).length === 0, 'processes of this home to end', 5_000);
    } catch {
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(this.home, { recursive: true, force: true });
    return left;
  }
}

export interface SessionDoc {
  id: string; name: string; cwd: string; agent: string; state: string; pid: number | null; restarts: number;
  exitCode: number | null; signal: string | null; reason: string | null; pendingApprovals: number;
}

export interface StatusDoc {
  daemon: { pid: number; version: string; socket: string; wakeCount: number; configError: string | null; link: { state: string } };
  sessions: SessionDoc[];
}

/** A fresh daemon home and a work directory for one test; at the end, proves that nothing was left running. */
export async function withRcd(prefix: string, fn: (rcd: Rcd, work: string) => Promise<void>): Promise<void> {
  const rcd = new Rcd(`${prefix}-`);
  const work = mkdtempSync(join('/tmp', `${prefix}-work-`));
  try {
    await fn(rcd, work);
  } finally {
    try {
      assert.deepEqual(await rcd.teardown(), [], 'no process of this home left running');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

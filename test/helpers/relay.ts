// A real `rcd relay` process on 127.0.0.1 for integration tests: started on a free port, restartable on the
// same port and data directory (so a daemon's RCD_RELAY_URL stays valid), killable with SIGKILL.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, waitFor, type Rcd } from './harness.js';
import { storeFlags } from './relay-store.js';

export class RelayProcess {
  url = '';
  private child: ChildProcess | null = null;
  private port = 0;
  /** `--store URL` when the tests run on PostgreSQL (relay-store.ts): one database, kept across restarts. */
  private store: string[] | null = null;
  /** Everything the relay printed (its log), across restarts. */
  log = '';

  /** `args`: more `rcd relay` flags (limits). */
  constructor(readonly dataDir: string, private readonly env: NodeJS.ProcessEnv, private readonly args: readonly string[] = []) {}

  static async start(home: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<RelayProcess> {
    const relay = new RelayProcess(join(home, 'relay-data'), env, args);
    await relay.start();
    return relay;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.store ??= this.args.includes('--store') ? [] : await storeFlags();
    const child = spawn(process.execPath, [CLI, 'relay', '--host', '127.0.0.1', '--port', String(this.port), '--data', this.dataDir, ...this.store, ...this.args], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      this.log += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      this.log += c.toString();
    });
    let m: RegExpExecArray;
    try {
      m = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out) ?? (child.exitCode !== null ? Promise.reject(new Error(err)) : null), 'the relay to listen', 15_000);
    } catch (e) {
      await this.stopWith('SIGKILL'); // never leave a relay that did not come up
      throw e;
    }
    this.url = m[1] as string;
    this.port = Number(m[2]);
  }

  /** Loses everything it stored (it must be stopped): its data directory, and on PostgreSQL its database (a new one). */
  async wipe(): Promise<void> {
    rmSync(this.dataDir, { recursive: true, force: true });
    if (this.store && this.store.length > 0) this.store = await storeFlags();
  }

  /** Stops it with SIGKILL: no goodbye, as a crash or power loss would. */
  async kill9(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  /** Signals the relay and waits for it to exit; one that outlives a SIGTERM by 10 s is killed, and that fails. */
  private async stopWith(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(sig);
    const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref())]);
    if (!inTime) {
      child.kill('SIGKILL');
      await exited;
    }
    this.child = null;
    if (!inTime) throw new Error(`the relay did not exit within 10 s of ${sig}`);
  }
}

/**
 * Runs `fn` with a relay process that `rcd`'s daemon links to (RCD_RELAY_URL); afterwards stops the relay, tears
 * `rcd` down and asserts that no process of its home is left, whatever `fn` did.
 */
export async function withRelay(rcd: Rcd, fn: (relay: RelayProcess) => Promise<void>, args: readonly string[] = []): Promise<void> {
  let relay: RelayProcess | undefined;
  try {
    relay = await RelayProcess.start(rcd.home, rcd.env, args);
    rcd.env.RCD_RELAY_URL = relay.url;
    await fn(relay);
  } finally {
    try {
      await relay?.stop();
    } finally {
      assert.deepEqual(await rcd.teardown(), [], 'no process of this home left running');
    }
  }
}

// What every group of scenarios of scripts/real-claude-check.ts shares: one rcd home whose claude sessions run the real
// Claude Code binary against the mock Messages API (test/helpers/mock-messages-api.ts), a relay on 127.0.0.1 the daemon
// links to (for the `rcd remote` forms), the environment that keeps everything on loopback, and the helpers the
// scenarios poll with. The outcome of each scenario goes into one list the runner prints as a table.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Rcd, isAlive, waitFor } from '../../test/helpers/harness.js';
import { startMockMessagesApi, type MockCall, type MockMessagesApi } from '../../test/helpers/mock-messages-api.js';
import { RelayProcess } from '../../test/helpers/relay.js';

export interface Outcome { name: string; ok: boolean; ms: number; detail: string }

export interface SessionView {
  id: string; name: string; state: string; pid: number; agentSessionId: string; pendingApprovals: number; restarts: number;
  permissionMode: string | null;
}

export interface ApprovalView {
  id: string; kind: string; tool: string; state: string; decidedBy: string | null; input: Record<string, unknown>;
  plan?: string | null; answers?: Record<string, string>;
}

export class Check {
  readonly outcomes: Outcome[] = [];
  readonly userHome: string;
  readonly bootFile: string;

  private constructor(readonly bin: string, readonly api: MockMessagesApi, readonly rcd: Rcd, readonly relay: RelayProcess) {
    this.userHome = join(rcd.home, 'user-home');
    this.bootFile = join(rcd.home, 'boot_id');
  }

  static async create(bin: string): Promise<Check> {
    const api = await startMockMessagesApi();
    const rcd = new Rcd('rcd-real-claude-');
    const userHome = join(rcd.home, 'user-home');
    const runtime = join(rcd.home, 'runtime');
    const bootFile = join(rcd.home, 'boot_id');
    mkdirSync(userHome);
    mkdirSync(runtime, { mode: 0o700 });
    writeFileSync(bootFile, 'boot-one\n');
    Object.assign(rcd.env, {
      HOME: userHome, XDG_RUNTIME_DIR: runtime, TMPDIR: runtime, RCD_BOOT_ID_PATH: bootFile, RCD_CLAUDE_BIN: bin,
      ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-test-offline', DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', HTTPS_PROXY: api.url, HTTP_PROXY: api.url, NO_PROXY: '127.0.0.1,localhost',
    });
    // The relay is not one of the home's processes (its own RCD_HOME), so the leftover checks do not count it; it is
    // stopped in close(). Started before the daemon, which reads RCD_RELAY_URL when it starts.
    const relay = await RelayProcess.start(rcd.home, { ...rcd.env, RCD_HOME: join(rcd.home, 'relay-home') });
    rcd.env.RCD_RELAY_URL = relay.url;
    return new Check(bin, api, rcd, relay);
  }

  /** Runs one scenario: PASS with its detail, or FAIL with the error; never throws. */
  async scenario(name: string, body: () => Promise<string>): Promise<boolean> {
    const t0 = performance.now();
    try {
      const detail = await body();
      this.outcomes.push({ name, ok: true, ms: performance.now() - t0, detail });
      process.stdout.write(`PASS  ${name} (${Math.round(performance.now() - t0)} ms) ${detail}\n`);
      return true;
    } catch (err) {
      this.outcomes.push({ name, ok: false, ms: performance.now() - t0, detail: (err as Error).message.split('\n')[0] ?? '' });
      process.stdout.write(`FAIL  ${name}: ${(err as Error).message}\n`);
      return false;
    }
  }

  /** Starts a claude session named `name` in a fresh directory; ARGS go to Claude Code. */
  async start(name: string, args: string[] = []): Promise<string> {
    const dir = this.rcd.workdir(name);
    await this.rcd.ok(['start', '--agent', 'claude', '--cwd', dir, '--name', name, ...(args.length ? ['--', ...args] : [])]);
    return dir;
  }

  logs = (name: string): Promise<string> => this.rcd.logs(name);

  logsMatch = (name: string, re: RegExp, ms = 30_000): Promise<RegExpExecArray> =>
    waitFor(async () => re.exec(await this.logs(name)), `rcd logs ${name} to match ${re}`, ms, 100);

  /** How often `re` occurs in the session's rendered logs. */
  count = async (name: string, re: RegExp): Promise<number> => (await this.logs(name)).match(new RegExp(re.source, 'g'))?.length ?? 0;

  session = async (name: string): Promise<SessionView> => (await this.rcd.status(name)).sessions[0] as unknown as SessionView;

  approvals = async (name: string, all = false): Promise<ApprovalView[]> =>
    JSON.parse(await this.rcd.ok(['approvals', name, ...(all ? ['--all'] : []), '--json'])) as ApprovalView[];

  /** The session's one pending request, once there is one. */
  pending = (name: string, kind?: string): Promise<ApprovalView> =>
    waitFor(async () => {
      const list = await this.approvals(name);
      return list.length === 1 && (!kind || list[0]?.kind === kind) ? list[0] : null;
    }, `one pending ${kind ?? 'request'} in ${name}`, 30_000, 100);

  mode = async (name: string): Promise<string | null> => (await this.session(name)).permissionMode;

  /** Waits for rcd to record `mode` as the session's permission mode. */
  modeIs = (name: string, mode: string): Promise<true> =>
    waitFor(async () => (await this.mode(name)) === mode || null, `session ${name} in mode ${mode}`, 10_000, 100);

  /** The raw lines of the session's output (`rcd logs --json`), parsed where they are JSON. */
  async rawLines(name: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const l of (await this.rcd.ok(['logs', name, '--json'])).split('\n')) {
      try {
        const v = JSON.parse(l) as unknown;
        if (v !== null && typeof v === 'object') out.push(v as Record<string, unknown>);
      } catch {
        /* stderr text */
      }
    }
    return out;
  }

  /** How many calls the mock has served so far: pass it to nextRequest to see what came after. */
  mark = (): number => this.api.calls.length;

  /**
   * The first conversation request Claude Code made to the model after `mark` that carries a tool result: what the
   * model was told the tool (a question, a plan, a command) returned.
   */
  nextRequest = (mark: number): Promise<MockCall> =>
    waitFor(() => this.api.calls.slice(mark).find((c) => c.kind === 'conversation' && (c.toolResults?.length ?? 0) > 0), 'the model\'s next request', 30_000, 50);

  /**
   * The newest tool result of the model's next request after `mark` (a plan's Write comes before its ExitPlanMode in
   * one message, so the result asked about is the last one), checked against `re`.
   */
  async modelGot(mark: number, re: RegExp): Promise<string> {
    const call = await this.nextRequest(mark);
    const text = call.toolResults?.at(-1)?.text ?? '';
    if (!re.test(text)) throw new Error(`the model's next request did not carry ${re}: ${JSON.stringify(text.slice(0, 300))}`);
    return text;
  }

  /** The argv of a running process. */
  argv = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

  /**
   * A reboot as the daemon sees one: the daemon and every session's wrapper process group are killed with SIGKILL
   * (Claude Code with them), and the boot id changes; the next CLI call starts a daemon that restores the sessions.
   * Returns once every session that was running is running again with a new process.
   */
  async stagedReboot(bootId: string): Promise<void> {
    const db = new Database(join(this.rcd.home, 'rcd.db'), { readonly: true });
    const rows = db.prepare("SELECT name, wrapper_pid AS w FROM sessions WHERE state = 'running'").all() as { name: string; w: number }[];
    db.close();
    const before = new Map<string, number>();
    for (const r of rows) before.set(r.name, (await this.session(r.name)).pid);
    process.kill(this.rcd.daemonPid() as number, 'SIGKILL');
    for (const r of rows) process.kill(-r.w, 'SIGKILL');
    await waitFor(() => [...before.values()].every((pid) => !isAlive(pid)), 'every Claude Code to die', 10_000);
    writeFileSync(this.bootFile, `${bootId}\n`);
    for (const [name, pid] of before) {
      await waitFor(async () => {
        const s = await this.session(name);
        return s.state === 'running' && s.pid !== pid;
      }, `session ${name} to be restored`, 30_000, 100);
    }
  }

  fileHas = (path: string, text: string): boolean => existsSync(path) && readFileSync(path, 'utf8') === text;

  /** Stops the relay, tears the home down and closes the mock; returns the processes of the home left behind. */
  async close(): Promise<number[]> {
    try {
      await this.relay.stop();
    } catch {
      /* reported by the leftovers check below if it matters */
    }
    const left = await this.rcd.teardown();
    await this.api.close();
    return left;
  }
}

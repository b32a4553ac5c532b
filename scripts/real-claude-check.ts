// The claude adapter's scenarios against the real Claude Code CLI, driven through the real rcd CLI and daemon.
// Run by scripts/real-claude-check inside a network namespace that has only loopback; the model is the mock
// Messages API (test/helpers/mock-messages-api.ts) on 127.0.0.1. Prints one line per scenario and a summary
// table; exits 1 if any scenario failed. Usage: node dist/scripts/real-claude-check.js /path/to/claude
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Rcd, isAlive, waitFor } from '../test/helpers/harness.js';
import { startMockMessagesApi } from '../test/helpers/mock-messages-api.js';

const bin = process.argv[2];
if (!bin || !existsSync(bin)) {
  process.stderr.write('usage: real-claude-check.js /path/to/claude (run scripts/real-claude-check, which installs it)\n');
  process.exit(2);
}

interface Outcome { name: string; ok: boolean; ms: number; detail: string }
const outcomes: Outcome[] = [];

async function scenario(name: string, body: () => Promise<string>): Promise<boolean> {
  const t0 = performance.now();
  try {
    const detail = await body();
    outcomes.push({ name, ok: true, ms: performance.now() - t0, detail });
    process.stdout.write(`PASS  ${name} (${Math.round(performance.now() - t0)} ms) ${detail}\n`);
    return true;
  } catch (err) {
    outcomes.push({ name, ok: false, ms: performance.now() - t0, detail: (err as Error).message.split('\n')[0] ?? '' });
    process.stdout.write(`FAIL  ${name}: ${(err as Error).message}\n`);
    return false;
  }
}

const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
const api = await startMockMessagesApi();
const rcd = new Rcd('rcd-real-claude-');
const userHome = join(rcd.home, 'user-home');
const runtime = join(rcd.home, 'runtime');
const bootFile = join(rcd.home, 'boot_id');
const work = rcd.workdir('project');
mkdirSync(userHome);
mkdirSync(runtime, { mode: 0o700 });
writeFileSync(bootFile, 'boot-one\n');
Object.assign(rcd.env, {
  HOME: userHome, XDG_RUNTIME_DIR: runtime, TMPDIR: runtime, RCD_BOOT_ID_PATH: bootFile, RCD_CLAUDE_BIN: bin,
  ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-test-offline', DISABLE_AUTOUPDATER: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', HTTPS_PROXY: api.url, HTTP_PROXY: api.url, NO_PROXY: '127.0.0.1,localhost',
});
process.stdout.write(`Claude Code ${version} at ${bin}; mock Messages API ${api.url}; RCD_HOME ${rcd.home}\n`);

const logs = () => rcd.logs('cc');
const logsMatch = (re: RegExp, ms = 30_000) => waitFor(async () => re.exec(await logs()), `rcd logs to match ${re}`, ms, 100);
const session = async () => (await rcd.status('cc')).sessions[0] as unknown as { state: string; pid: number; agentSessionId: string; pendingApprovals: number; restarts: number };
const pendingOne = () => waitFor(async () => (await session()).pendingApprovals === 1, 'one pending approval', 30_000, 100);

let allOk = true;
try {
  allOk = (await scenario('prompt and reply', async () => {
    await rcd.ok(['start', '--agent', 'claude', '--cwd', work, '--name', 'cc']);
    await rcd.ok(['send', 'cc', 'hello real claude']);
    await logsMatch(/^> hello real claude\necho: hello real claude\n── turn done/m);
    return `prompt shown, answer rendered; conversation ${(await session()).agentSessionId}`;
  })) && allOk;

  allOk = (await scenario('approve a Bash call', async () => {
    const file = join(work, 'approved.txt');
    await rcd.ok(['send', 'cc', `run: touch ${file} && echo made-it`]);
    await pendingOne();
    await rcd.ok(['approve', 'cc']);
    await logsMatch(/tool said: made-it/);
    if (!existsSync(file)) throw new Error('the approved command did not run');
    return 'the command ran once approved';
  })) && allOk;

  allOk = (await scenario('deny a Bash call', async () => {
    const file = join(work, 'denied.txt');
    await rcd.ok(['send', 'cc', `run: touch ${file}`]);
    await pendingOne();
    await rcd.ok(['deny', 'cc', '--message', 'not on this machine']);
    await logsMatch(/tool failed: not on this machine/);
    if (existsSync(file)) throw new Error('the denied command ran');
    return 'Claude got the message; the command never ran';
  })) && allOk;

  allOk = (await scenario('kill -9 the daemon mid-turn (approval pending)', async () => {
    const file = join(work, 'after-daemon-death.txt');
    await rcd.ok(['send', 'cc', `run: touch ${file} && echo survived`]);
    await pendingOne();
    const before = await session();
    process.kill(rcd.daemonPid() as number, 'SIGKILL');
    const after = await session(); // a new daemon starts and re-adopts
    if (after.pid !== before.pid) throw new Error(`Claude Code was not re-adopted (pid ${before.pid} -> ${after.pid})`);
    if (after.pendingApprovals !== 1) throw new Error(`pending approvals after the restart: ${after.pendingApprovals}`);
    await rcd.ok(['approve', 'cc']);
    await logsMatch(/tool said: survived/);
    const asked = (await logs()).match(/waiting for approval/g)?.length ?? 0;
    if (asked !== 3) throw new Error(`expected 3 approval requests in the logs so far, saw ${asked}`);
    if (!existsSync(file)) throw new Error('the approved command did not run');
    return `same process ${after.pid}; the approval stayed pending and its answer arrived once`;
  })) && allOk;

  allOk = (await scenario('reboot: restored with --resume, conversation intact', async () => {
    const before = await session();
    const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
    const { w } = db.prepare('SELECT wrapper_pid AS w FROM sessions WHERE name = ?').get('cc') as { w: number };
    db.close();
    process.kill(rcd.daemonPid() as number, 'SIGKILL');
    process.kill(-w, 'SIGKILL');
    await waitFor(() => !isAlive(before.pid), 'Claude Code to die', 10_000);
    writeFileSync(bootFile, 'boot-two\n');
    const back = await waitFor(async () => {
      const s = await session();
      return s.state === 'running' && s.pid !== before.pid ? s : null;
    }, 'the restore', 30_000, 100);
    if (back.agentSessionId !== before.agentSessionId) throw new Error('the conversation id changed');
    await rcd.ok(['send', 'cc', 'recall']);
    await logsMatch(/your first message was: hello real claude/);
    return `new pid ${back.pid}, same conversation ${back.agentSessionId}`;
  })) && allOk;

  allOk = (await scenario('stop mid-turn: interrupt first, then every process of the session, detached ones too', async () => {
    await rcd.ok(['send', 'cc', 'run: nohup sleep 301 > /dev/null 2>&1 & echo bg=$!']);
    await pendingOne();
    await rcd.ok(['approve', 'cc']);
    const bg = Number((await logsMatch(/tool said: bg=(\d+)/))[1]);
    if (!isAlive(bg)) throw new Error(`the background job ${bg} is not running`);
    const asked = api.requests;
    await rcd.ok(['send', 'cc', 'slow: 20000']);
    await waitFor(() => api.requests > asked, 'Claude Code to be waiting on the model', 10_000, 50);
    const t0 = performance.now();
    await rcd.ok(['stop', 'cc']);
    const stopMs = Math.round(performance.now() - t0);
    const s = await session();
    if (s.state !== 'stopped') throw new Error(`state ${s.state}`);
    const raw = await rcd.ok(['logs', 'cc', '--json']);
    if (!raw.includes('"terminal_reason":"aborted_streaming"')) throw new Error('the turn was not interrupted before the signals');
    if (isAlive(bg)) throw new Error(`the detached background job ${bg} survived the stop`);
    const left = rcd.leftovers().filter((pid) => pid !== rcd.daemonPid());
    if (left.length > 0) throw new Error(`processes left: ${left.join(', ')}`);
    return `interrupted, stopped in ${stopMs} ms; the detached job (pid ${bg}, re-parented to init) is gone`;
  })) && allOk;

  allOk = (await scenario('rcd restart after the stop: the conversation continues', async () => {
    const before = await session();
    await rcd.ok(['restart', 'cc']);
    const after = await session();
    if (after.state !== 'running') throw new Error(`state ${after.state}`);
    if (after.agentSessionId !== before.agentSessionId) throw new Error('the conversation id changed');
    const recalls = ((await logs()).match(/your first message was: hello real claude/g) ?? []).length;
    await rcd.ok(['send', 'cc', 'recall']);
    await waitFor(async () => ((await logs()).match(/your first message was: hello real claude/g) ?? []).length > recalls, 'the recall', 30_000, 100);
    await rcd.ok(['stop', 'cc']);
    return `resumed conversation ${after.agentSessionId}`;
  })) && allOk;
} finally {
  const left = await rcd.teardown();
  await api.close();
  if (left.length > 0) {
    allOk = false;
    process.stdout.write(`FAIL  processes were left behind: ${left.join(', ')}\n`);
  }
}

const offsite = api.calls.filter((c) => c.method === 'CONNECT').length;
process.stdout.write(`\n| scenario | result | time |\n|---|---|---|\n`);
for (const o of outcomes) process.stdout.write(`| ${o.name} | ${o.ok ? 'PASS' : `FAIL: ${o.detail}`} | ${(o.ms / 1000).toFixed(1)} s |\n`);
process.stdout.write(`\nClaude Code ${version}; ${api.requests} requests to the mock Messages API; ${offsite} proxy CONNECT attempts (refused).\n`);
process.exit(allOk ? 0 : 1);

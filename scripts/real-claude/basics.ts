// The first scenarios, on one session `cc`: prompt and reply, approve and deny a Bash call, kill -9 of the daemon with
// an approval pending, a staged reboot restored with --resume, a stop mid-turn that also ends a detached job, and
// `rcd restart` continuing the conversation. The session is stopped at the end.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, waitFor } from '../../test/helpers/harness.js';
import type { Check } from './context.js';

export async function basics(c: Check): Promise<boolean> {
  const { rcd, api } = c;
  const work = rcd.workdir('cc');
  const logsMatch = (re: RegExp) => c.logsMatch('cc', re);
  const session = () => c.session('cc');
  const pendingOne = () => c.pending('cc');
  let ok = true;

  ok = (await c.scenario('prompt and reply', async () => {
    await c.start('cc');
    await rcd.ok(['send', 'cc', 'hello real claude']);
    await logsMatch(/^> hello real claude\necho: hello real claude\n── turn done/m);
    return `prompt shown, answer rendered; conversation ${(await session()).agentSessionId}`;
  })) && ok;

  ok = (await c.scenario('approve a Bash call', async () => {
    const file = join(work, 'approved.txt');
    await rcd.ok(['send', 'cc', `run: touch ${file} && echo made-it`]);
    await pendingOne();
    await rcd.ok(['approve', 'cc']);
    await logsMatch(/tool said: made-it/);
    if (!existsSync(file)) throw new Error('the approved command did not run');
    return 'the command ran once approved';
  })) && ok;

  ok = (await c.scenario('deny a Bash call', async () => {
    const file = join(work, 'denied.txt');
    await rcd.ok(['send', 'cc', `run: touch ${file}`]);
    await pendingOne();
    await rcd.ok(['deny', 'cc', '--message', 'not on this machine']);
    await logsMatch(/tool failed: not on this machine/);
    if (existsSync(file)) throw new Error('the denied command ran');
    return 'Claude got the message; the command never ran';
  })) && ok;

  ok = (await c.scenario('kill -9 the daemon mid-turn (approval pending)', async () => {
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
    const asked = await c.count('cc', /waiting for approval/);
    if (asked !== 3) throw new Error(`expected 3 approval requests in the logs so far, saw ${asked}`);
    if (!existsSync(file)) throw new Error('the approved command did not run');
    return `same process ${after.pid}; the approval stayed pending and its answer arrived once`;
  })) && ok;

  ok = (await c.scenario('reboot: restored with --resume, conversation intact', async () => {
    const before = await session();
    await c.stagedReboot('boot-two');
    const back = await session();
    if (back.agentSessionId !== before.agentSessionId) throw new Error('the conversation id changed');
    await rcd.ok(['send', 'cc', 'recall']);
    await logsMatch(/your first message was: hello real claude/);
    return `new pid ${back.pid}, same conversation ${back.agentSessionId}`;
  })) && ok;

  ok = (await c.scenario('stop mid-turn: interrupt first, then every process of the session, detached ones too', async () => {
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
  })) && ok;

  ok = (await c.scenario('rcd restart after the stop: the conversation continues', async () => {
    const before = await session();
    await rcd.ok(['restart', 'cc']);
    const after = await session();
    if (after.state !== 'running') throw new Error(`state ${after.state}`);
    if (after.agentSessionId !== before.agentSessionId) throw new Error('the conversation id changed');
    const recalls = await c.count('cc', /your first message was: hello real claude/);
    await rcd.ok(['send', 'cc', 'recall']);
    await waitFor(async () => (await c.count('cc', /your first message was: hello real claude/)) > recalls, 'the recall', 30_000, 100);
    await rcd.ok(['stop', 'cc']);
    return `resumed conversation ${after.agentSessionId}`;
  })) && ok;

  return ok;
}

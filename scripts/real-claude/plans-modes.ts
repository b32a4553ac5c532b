// Plans and permission modes through rcd against the real CLI. Session `plan` (started in plan mode): a plan sent back
// with `rcd deny -m`, one accepted with `--mode acceptEdits` after which a Write runs unasked, and one accepted without
// a mode. Session `modes` (default mode): `--always` for a Bash command, `rcd mode` both ways, `rcd interrupt` mid-turn,
// and the mode kept across a staged reboot.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../test/helpers/harness.js';
import type { Check } from './context.js';

export async function plansAndModes(c: Check): Promise<boolean> {
  const { rcd, api } = c;
  let ok = true;
  const planDir = rcd.workdir('plan');
  const modesDir = rcd.workdir('modes');
  /** The `system/status` lines saying the mode is now `mode`. */
  const statusLines = async (name: string, mode: string) =>
    (await c.rawLines(name)).filter((l) => l.type === 'system' && l.subtype === 'status' && l.permissionMode === mode).length;
  const toolRequests = async (name: string, tool: string) => (await c.approvals(name, true)).filter((a) => a.tool === tool).length;

  ok = (await c.scenario('a plan sent back with deny -m: Claude keeps planning', async () => {
    await c.start('plan', ['--permission-mode', 'plan']);
    await rcd.ok(['send', 'plan', 'plan: 1. write the test\n2. make it pass']);
    const p = await c.pending('plan', 'plan');
    if (p.plan !== '1. write the test\n2. make it pass') throw new Error(`the request's plan: ${JSON.stringify(p.plan)}`);
    const file = String(p.input.planFilePath ?? '');
    if (!file.startsWith(join(c.userHome, '.claude', 'plans'))) throw new Error(`planFilePath ${JSON.stringify(file)}`);
    const mark = c.mark();
    await rcd.ok(['deny', 'plan', '-m', 'add a benchmark step']);
    const said = await c.modelGot(mark, /^add a benchmark step$/);
    await c.logsMatch('plan', /tool failed: add a benchmark step\n── turn done/);
    await rcd.ok(['send', 'plan', 'still planning?']);
    await c.logsMatch('plan', /permissions: plan[^\n]*\n> still planning\?\necho: still planning\?/);
    return `the plan (from ${file.slice(file.lastIndexOf('/') + 1)}) was shown; model got ${JSON.stringify(said)}; the next turn is still in plan mode`;
  })) && ok;

  ok = (await c.scenario('a plan accepted with --mode acceptEdits, after which a Write runs unasked', async () => {
    await rcd.ok(['send', 'plan', 'plan: 1. write the notes\n2. benchmark']);
    await c.pending('plan', 'plan');
    const mark = c.mark();
    await rcd.ok(['approve', 'plan', '--mode', 'acceptEdits']);
    await c.modelGot(mark, /^User has approved your plan\. You can now start coding\.[\s\S]*## Approved Plan:\n1\. write the notes\n2\. benchmark$/);
    await c.modeIs('plan', 'acceptEdits');
    if ((await statusLines('plan', 'acceptEdits')) !== 1) throw new Error('no system/status line with permissionMode acceptEdits');
    const notes = join(planDir, 'notes.md');
    await rcd.ok(['send', 'plan', `write: ${notes} = written unasked`]);
    await waitFor(() => c.fileHas(notes, 'written unasked'), 'the Write to run', 30_000, 100);
    if ((await toolRequests('plan', 'Write')) !== 0) throw new Error('the Write asked for permission');
    return 'the model got the approved plan; mode acceptEdits (rcd status); the Write ran without a request';
  })) && ok;

  ok = (await c.scenario('a plan accepted without --mode: back to the mode before plan mode, known at once', async () => {
    await rcd.ok(['mode', 'plan', 'plan']);
    await rcd.ok(['send', 'plan', 'plan: 1. only this']);
    await c.pending('plan', 'plan');
    const mark = c.mark();
    await rcd.ok(['approve', 'plan']);
    await c.modelGot(mark, /^User has approved your plan\./);
    await c.modeIs('plan', 'acceptEdits'); // from the system/status line: no prompt has been sent since
    await rcd.ok(['stop', 'plan']);
    return 'Claude Code said acceptEdits (a system/status line) and rcd status showed it before the next turn';
  })) && ok;

  ok = (await c.scenario('--always: the same Bash command runs unasked afterwards', async () => {
    await c.start('modes');
    const file = join(modesDir, 'always.txt');
    const prompt = `run: touch ${file}`;
    await rcd.ok(['send', 'modes', prompt]);
    const a = await c.pending('modes', 'tool');
    const line = (await c.rawLines('modes')).find((l) => l.type === 'control_request' && l.request_id === a.id);
    const suggestions = (line?.request as { permission_suggestions?: { type: string }[] } | undefined)?.permission_suggestions ?? [];
    await rcd.ok(['approve', 'modes', '--always']);
    await c.logsMatch('modes', /tool said: \(Bash completed with no output\)\n── turn done/);
    const mark = c.mark();
    await rcd.ok(['send', 'modes', prompt]);
    await c.modelGot(mark, /^\(Bash completed with no output\)$/);
    await waitFor(async () => (await c.count('modes', /tool said: \(Bash completed with no output\)\n── turn done/)) === 2, 'the second run', 30_000, 100);
    if ((await toolRequests('modes', 'Bash')) !== 1) throw new Error('the second run asked again');
    return `suggestions offered: ${suggestions.map((s) => s.type).join(', ')}; the second run was not asked`;
  })) && ok;

  ok = (await c.scenario('rcd mode both ways: acceptEdits lets a Write run unasked, default asks again', async () => {
    const out = await rcd.ok(['mode', 'modes', 'acceptEdits']);
    await c.modeIs('modes', 'acceptEdits');
    await waitFor(async () => (await statusLines('modes', 'acceptEdits')) === 1, 'the system/status line', 10_000, 100);
    const a = join(modesDir, 'a.txt');
    await rcd.ok(['send', 'modes', `write: ${a} = A`]);
    await waitFor(() => c.fileHas(a, 'A'), 'the Write in acceptEdits', 30_000, 100);
    await rcd.ok(['mode', 'modes', 'default']);
    await c.modeIs('modes', 'default');
    const b = join(modesDir, 'b.txt');
    await rcd.ok(['send', 'modes', `write: ${b} = B`]);
    const asked = await c.pending('modes', 'tool');
    if (asked.tool !== 'Write') throw new Error(`asked for ${asked.tool}`);
    await rcd.ok(['deny', 'modes']);
    await c.logsMatch('modes', /tool failed: Denied by the user via rcd\n── turn done/);
    if (existsSync(b) || (await toolRequests('modes', 'Write')) !== 1) throw new Error('the Write in default mode was not asked, or ran');
    return `${out.trim()}; the Write ran unasked; back in default it asked and was denied`;
  })) && ok;

  ok = (await c.scenario('rcd interrupt mid-turn, then the next prompt works', async () => {
    const before = await c.session('modes');
    const asked = api.requests;
    await rcd.ok(['send', 'modes', 'slow: 20000']);
    await waitFor(() => api.requests > asked, 'Claude Code to be waiting on the model', 10_000, 50);
    const t0 = performance.now();
    await rcd.ok(['interrupt', 'modes']);
    await c.logsMatch('modes', /turn ended: error_during_execution/);
    const ms = Math.round(performance.now() - t0);
    if (!(await rcd.ok(['logs', 'modes', '--json'])).includes('"terminal_reason":"aborted_streaming"')) throw new Error('no aborted_streaming result');
    await rcd.ok(['send', 'modes', 'after the interrupt']);
    await c.logsMatch('modes', /echo: after the interrupt/);
    const after = await c.session('modes');
    if (after.pid !== before.pid || after.state !== 'running') throw new Error(`pid ${before.pid} -> ${after.pid}, state ${after.state}`);
    return `turn ended (aborted_streaming) ${ms} ms after rcd interrupt; the same process ${after.pid} answered the next prompt`;
  })) && ok;

  ok = (await c.scenario('mode kept across a staged reboot', async () => {
    await rcd.ok(['mode', 'modes', 'acceptEdits']);
    const before = await c.session('modes');
    const inits = await c.count('modes', /── claude [^\n]*permissions: acceptEdits/);
    await c.stagedReboot('boot-three');
    const after = await c.session('modes');
    if (after.permissionMode !== 'acceptEdits') throw new Error(`mode after the reboot: ${after.permissionMode}`);
    const argv = c.argv(after.pid);
    const given = argv[argv.indexOf('--permission-mode') + 1];
    if (given !== 'acceptEdits' || !argv.includes('--resume')) throw new Error(`argv: ${argv.slice(1).join(' ')}`);
    const file = join(modesDir, 'after-reboot.txt');
    await rcd.ok(['send', 'modes', `write: ${file} = kept`]);
    await waitFor(() => c.fileHas(file, 'kept'), 'the Write after the reboot', 30_000, 100);
    if ((await c.count('modes', /── claude [^\n]*permissions: acceptEdits/)) <= inits) throw new Error('the init line after the reboot did not say acceptEdits');
    if ((await toolRequests('modes', 'Write')) !== 1) throw new Error('the Write after the reboot asked');
    await rcd.ok(['stop', 'modes']);
    return `pid ${before.pid} -> ${after.pid}, --resume --permission-mode acceptEdits; the Write ran unasked`;
  })) && ok;

  return ok;
}

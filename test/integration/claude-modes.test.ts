// Steering a running Claude Code session between prompts (issue 16, local half): `rcd mode` switches the permission
// mode (status shows it, the next runs keep it, over --permission-mode in ARGS), `rcd interrupt` ends the running turn
// and the session takes the next prompt. Against the fake Claude Code and the mock model.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Rcd } from '../helpers/harness.js';
import { claudeRcd } from '../helpers/claude.js';
import { startMockMessagesApi, type MockMessagesApi } from '../helpers/mock-messages-api.js';

interface Doc { id: string; state: string; pid: number; permissionMode: string | null; pendingApprovals: number }
interface ApprovalDoc { id: string; state: string; decidedBy: string | null; message: string | null }
interface AuditDoc { approval: string; kind: string; action: string; actor: string; detail: string | null }

let api: MockMessagesApi;
let rcd: Rcd;
before(async () => {
  api = await startMockMessagesApi();
  rcd = claudeRcd('rcd-modes-', api.url);
});
after(async () => {
  assert.deepEqual(await rcd.teardown(), []);
  await api.close();
});

const doc = async (ref: string) => (await rcd.session(ref)) as unknown as Doc;
const logsMatch = (ref: string, re: RegExp) => waitFor(async () => re.exec(await rcd.logs(ref)), `logs of ${ref} to match ${re}`);
const approvals = async (ref: string, all = false) => JSON.parse(await rcd.ok(['approvals', ref, ...(all ? ['--all'] : []), '--json'])) as ApprovalDoc[];
const pending = (ref: string) => waitFor(async () => (await approvals(ref))[0], `a pending request in ${ref}`);
const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

async function start(name: string, args: string[] = []): Promise<{ id: string; dir: string }> {
  const dir = rcd.workdir(name);
  const id = (await rcd.ok(['start', '--agent', 'claude', '--cwd', dir, '--name', name, ...(args.length ? ['--', ...args] : [])])).trim();
  return { id, dir };
}

describe('claude permission modes and interrupts', () => {
  it('rcd mode switches the running session: status shows it, acceptEdits lets a file command run unasked, default asks again', async () => {
    const { id, dir } = await start('switch');
    assert.equal((await doc(id)).permissionMode, null, 'not known before Claude Code said it');
    await rcd.ok(['send', id, 'hello']);
    await logsMatch(id, /echo: hello/);
    assert.equal((await doc(id)).permissionMode, 'default', 'from the init line');

    const out = await rcd.ok(['mode', id, 'acceptEdits']);
    assert.match(out, /permission mode acceptEdits/);
    const s = await doc(id);
    assert.equal(s.permissionMode, 'acceptEdits');
    await rcd.ok(['send', id, `run: touch ${join(dir, 'unasked')}`]);
    await waitFor(() => existsSync(join(dir, 'unasked')), 'the file command to run without a request');
    assert.deepEqual(await approvals(id, true), [], 'nothing was asked');

    await rcd.ok(['mode', id, 'default']);
    await rcd.ok(['send', id, `run: touch ${join(dir, 'asked')}`]);
    const a = await pending(id);
    await rcd.ok(['deny', id, a.id]);
    assert.equal(existsSync(join(dir, 'asked')), false);
    assert.equal((await doc(id)).pid, s.pid, 'the same process all along');

    const audit = JSON.parse(await rcd.ok(['approvals', id, '--audit', '--json'])) as AuditDoc[];
    assert.deepEqual(audit.filter((e) => e.kind === 'mode').map((e) => [e.action, e.actor, e.detail]), [['mode', 'local', 'acceptEdits'], ['mode', 'local', 'default']]);
  });

  it('the switched mode is kept across rcd restart, over --permission-mode in ARGS', async () => {
    const { id, dir } = await start('kept', ['--permission-mode', 'plan']);
    await rcd.ok(['send', id, 'hello']);
    await logsMatch(id, /permissions: plan/);
    assert.equal((await doc(id)).permissionMode, 'plan');
    await rcd.ok(['mode', id, 'acceptEdits']);
    await rcd.ok(['restart', id]);
    const after = await doc(id);
    assert.equal(after.permissionMode, 'acceptEdits');
    const argv = argvOf(after.pid);
    assert.deepEqual(argv.slice(argv.indexOf('--permission-mode')), ['--permission-mode', 'acceptEdits', ''], 'given once, the stored one');
    assert.equal(argv.filter((a) => a === '--permission-mode').length, 1);
    await rcd.ok(['send', id, `run: touch ${join(dir, 'after-restart')}`]);
    await waitFor(() => existsSync(join(dir, 'after-restart')), 'the file command to run unasked in the kept mode');
    assert.match(await rcd.logs(id), /permissions: acceptEdits/);
  });

  it('mode is refused for a stopped or generic session, and a mode rcd does not know is a usage error', async () => {
    const { id } = await start('refused');
    const bad = await rcd.run(['mode', id, 'yolo']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /MODE must be one of default, acceptEdits, bypassPermissions, plan/);
    await rcd.ok(['stop', id]);
    const stopped = await rcd.run(['mode', id, 'acceptEdits']);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /is stopped/);
    const generic = (await rcd.ok(['start', '--cwd', rcd.workdir('gen'), '--name', 'gen', '--', process.execPath, '-e', 'setInterval(() => {}, 1000)'])).trim();
    const g = await rcd.run(['interrupt', generic]);
    assert.equal(g.code, 1);
    assert.match(g.stderr, /generic agent/);
    await rcd.ok(['stop', generic]);
  });

  it('rcd interrupt ends the running turn; the same process takes the next prompt', async () => {
    const { id } = await start('interrupt');
    await rcd.ok(['send', id, 'slow: 30000']);
    await logsMatch(id, /> slow: 30000/);
    const before = await doc(id);
    const out = await rcd.ok(['interrupt', id]);
    assert.match(out, /interrupted/);
    await logsMatch(id, /turn ended: error_during_execution/);
    await rcd.ok(['send', id, 'after the interrupt']);
    await logsMatch(id, /echo: after the interrupt/);
    const s = await doc(id);
    assert.equal(s.state, 'running');
    assert.equal(s.pid, before.pid);
    const audit = JSON.parse(await rcd.ok(['approvals', id, '--audit', '--json'])) as AuditDoc[];
    assert.deepEqual(audit.filter((e) => e.kind === 'interrupt').map((e) => [e.action, e.actor]), [['interrupted', 'local']]);
  });

  it('rcd interrupt while a request is pending withdraws it (expired), and the next prompt goes in', async () => {
    const { id, dir } = await start('withdrawn');
    await rcd.ok(['send', id, `run: touch ${join(dir, 'never')}`]);
    const a = await pending(id);
    await rcd.ok(['interrupt', id]);
    const [after] = await approvals(id, true);
    assert.equal(after?.id, a.id);
    assert.deepEqual([after?.state, after?.decidedBy], ['expired', 'rcd']);
    const late = await rcd.run(['approve', id, a.id]);
    assert.equal(late.code, 1, 'a withdrawn request cannot be answered');
    await rcd.ok(['send', id, 'next one']);
    await logsMatch(id, /echo: next one/);
    assert.equal(existsSync(join(dir, 'never')), false);
  });
});

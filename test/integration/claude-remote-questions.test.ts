// Issue 16's remote half: everything Claude Code asks, answered through the relay with nothing but the session URL —
// a question by number and by label (`rcd remote answer`), a plan accepted into a mode (`rcd remote approve --mode`),
// `--always`, `rcd remote mode` and `rcd remote interrupt` — each recorded as remote, each sealed and proved like a
// prompt. Against the fake Claude Code and the mock model, with a real relay on 127.0.0.1.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../helpers/harness.js';
import { useClaudeRelay } from '../helpers/claude-relay.js';

interface AuditDoc { kind: string; action: string; actor: string; detail: string | null }
interface RemoteView { name: string; permissionMode: string | null; approvals: { id: string; kind: string; questions?: { options: { label: string }[] }[] }[] }

describe('claude questions, plans, modes and interrupts through the relay', () => {
  const env = useClaudeRelay('rcd-remote-q-');

  const start = async (name: string, args: string[] = []) => {
    const dir = env.rcd.workdir(name);
    await env.rcd.ok(['start', '--agent', 'claude', '--cwd', dir, '--name', name, ...(args.length ? ['--', ...args] : [])]);
    return { dir, url: (await env.rcd.ok(['url', name])).trim() };
  };
  const view = async (url: string) => (JSON.parse(await env.rcd.ok(['remote', 'status', url, '--json'])) as { session: RemoteView }).session;
  const waiting = (url: string, kind: string) =>
    waitFor(async () => (await view(url)).approvals.find((a) => a.kind === kind), `a pending ${kind} at the remote client`);
  const logsMatch = (name: string, re: RegExp) => waitFor(async () => re.exec(await env.rcd.logs(name)), `logs of ${name} to match ${re}`);
  const audit = async (name: string) => JSON.parse(await env.rcd.ok(['approvals', name, '--audit', '--json'])) as AuditDoc[];

  it('a question is shown with its options and answered by number, then by label; the answers reach the model', async () => {
    const { url } = await start('ask');
    await env.rcd.ok(['remote', 'send', url, 'ask: Which color? = red | green | blue']);
    const q = await waiting(url, 'question');
    assert.deepEqual(q.questions?.[0]?.options.map((o) => o.label), ['red', 'green', 'blue']);
    assert.match(await env.rcd.ok(['remote', 'status', url]), /AskUserQuestion[\s\S]*Which color\?/);
    const refused = await env.rcd.run(['remote', 'approve', url]);
    assert.equal(refused.code, 1, 'approve finds no tool call to allow: a question is answered');
    assert.match(refused.stderr, /nothing in session ask waits for approval/);
    const said = await env.rcd.ok(['remote', 'answer', url, '2']);
    assert.match(said, /^answer to [0-9a-f]{8} sent/);
    await logsMatch('ask', /tool said: Your questions have been answered: "Which color\?"="green"/);

    await env.rcd.ok(['remote', 'send', url, 'ask: Which size? = small | large']);
    const second = await waiting(url, 'question');
    await env.rcd.ok(['remote', 'answer', url, second.id.slice(0, 8), 'large']);
    await logsMatch('ask', /"Which size\?"="large"/);
    assert.deepEqual((await audit('ask')).filter((e) => e.kind === 'question' && e.action !== 'requested').map((e) => [e.action, e.actor]), [['allowed', 'remote'], ['allowed', 'remote']]);
    const none = await env.rcd.run(['remote', 'answer', url, 'red']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /nothing in session ask waits for an answer/);
  });

  it('a plan accepted remotely into acceptEdits: the mode shows remotely and a file command then runs unasked', async () => {
    const { dir, url } = await start('plan', ['--permission-mode', 'plan']);
    await env.rcd.ok(['remote', 'send', url, 'plan: 1. write the test\n2. make it pass']);
    await waiting(url, 'plan');
    await env.rcd.ok(['remote', 'approve', url, '--mode', 'acceptEdits']);
    await logsMatch('plan', /tool said: User has approved your plan/);
    await waitFor(async () => (await view(url)).permissionMode === 'acceptEdits', 'the remote view to show acceptEdits');
    await env.rcd.ok(['remote', 'send', url, `run: touch ${join(dir, 'edited')}`]);
    await waitFor(() => existsSync(join(dir, 'edited')), 'the file command to run unasked');
    const bad = await env.rcd.run(['remote', 'approve', url, '--mode', 'yolo']);
    assert.equal(bad.code, 2);
  });

  it('--always remotely: the same command runs unasked afterwards', async () => {
    const { dir, url } = await start('always');
    const touch = `run: touch ${join(dir, 'again')}`;
    await env.rcd.ok(['remote', 'send', url, touch]);
    await waiting(url, 'tool');
    await env.rcd.ok(['remote', 'approve', url, '--always']);
    await logsMatch('always', /tool said: \(Bash completed with no output\)/);
    await env.rcd.ok(['remote', 'send', url, touch]);
    await waitFor(async () => (await env.rcd.logs('always')).match(/tool said: \(Bash completed with no output\)/g)?.length === 2, 'the second run, unasked');
    const allowed = (await audit('always')).find((e) => e.action === 'allowed');
    assert.equal(allowed?.actor, 'remote');
    assert.match(allowed?.detail ?? '', /^always, this session: Bash\(touch /);
  });

  it('rcd remote mode switches both ways, and rcd remote interrupt withdraws a pending request; the next prompt goes in', async () => {
    const { dir, url } = await start('modes');
    await env.rcd.ok(['remote', 'mode', url, 'acceptEdits']);
    await waitFor(async () => (await view(url)).permissionMode === 'acceptEdits', 'acceptEdits');
    await env.rcd.ok(['remote', 'mode', url, 'default']);
    await waitFor(async () => (await view(url)).permissionMode === 'default', 'back to default');
    await env.rcd.ok(['remote', 'send', url, `run: touch ${join(dir, 'never')}`]);
    await waiting(url, 'tool');
    await env.rcd.ok(['remote', 'interrupt', url]);
    await waitFor(async () => (await view(url)).approvals.length === 0, 'the request to be withdrawn');
    await env.rcd.ok(['remote', 'send', url, 'next one']);
    await logsMatch('modes', /echo: next one/);
    assert.equal(existsSync(join(dir, 'never')), false);
    const kinds = (await audit('modes')).filter((e) => e.kind === 'mode' || e.kind === 'interrupt').map((e) => [e.kind, e.actor]);
    assert.deepEqual(kinds, [['mode', 'remote'], ['mode', 'remote'], ['interrupt', 'remote']]);
  });

  it('a view URL answers, approves, switches and interrupts nothing', async () => {
    await start('viewer');
    const viewUrl = (await env.rcd.ok(['url', 'viewer', '--view'])).trim();
    for (const cmd of [['answer', viewUrl, '1'], ['mode', viewUrl, 'plan'], ['interrupt', viewUrl], ['approve', viewUrl, '--always']]) {
      const r = await env.rcd.run(['remote', ...cmd]);
      assert.equal(r.code, 1, cmd[0]);
      assert.match(r.stderr, /view-only URL/);
    }
  });
});

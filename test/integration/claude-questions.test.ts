// What Claude Code asks besides "may this tool run?" (issue 16, local half): AskUserQuestion answered with
// `rcd answer` (by number, label, free text, multiSelect, several questions), ExitPlanMode accepted (with a mode) or
// sent back with feedback, and `rcd approve --always`; an answer decided but not written when the daemon died is
// delivered once by the next one. Against the fake Claude Code and the mock model: the answers reach the model.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Rcd } from '../helpers/harness.js';
import { claudeRcd } from '../helpers/claude.js';
import { startMockMessagesApi, type MockMessagesApi } from '../helpers/mock-messages-api.js';

interface ApprovalDoc {
  id: string; kind: string; tool: string; state: string; decidedBy: string | null; plan?: string | null;
  questions?: { question: string; header: string; multiSelect: boolean; options: { label: string; description: string }[] }[];
  answers?: Record<string, string>;
}
interface AuditDoc { approval: string; kind: string; action: string; actor: string; detail: string | null }

let api: MockMessagesApi;
let rcd: Rcd;
before(async () => {
  api = await startMockMessagesApi();
  rcd = claudeRcd('rcd-questions-', api.url);
});
after(async () => {
  assert.deepEqual(await rcd.teardown(), []);
  await api.close();
});

const logsMatch = (r: Rcd, ref: string, re: RegExp) => waitFor(async () => re.exec(await r.logs(ref)), `logs of ${ref} to match ${re}`);
const approvals = async (r: Rcd, ref: string, all = false) => JSON.parse(await r.ok(['approvals', ref, ...(all ? ['--all'] : []), '--json'])) as ApprovalDoc[];
const pending = (r: Rcd, ref: string) => waitFor(async () => (await approvals(r, ref))[0], `a pending request in ${ref}`);
const modeOf = async (ref: string) => ((await rcd.session(ref)) as unknown as { permissionMode: string | null }).permissionMode;

async function start(r: Rcd, name: string, args: string[] = []): Promise<{ id: string; dir: string }> {
  const dir = r.workdir(name);
  const id = (await r.ok(['start', '--agent', 'claude', '--cwd', dir, '--name', name, ...(args.length ? ['--', ...args] : [])])).trim();
  return { id, dir };
}

describe('claude questions, plans and --always', () => {
  it('a question is listed with its numbered options; approve points to answer; answered by number it reaches the model', async () => {
    const { id } = await start(rcd, 'number');
    await rcd.ok(['send', id, 'ask: Which color? = red | green | blue']);
    const q = await pending(rcd, id);
    assert.equal(q.kind, 'question');
    assert.deepEqual(q.questions?.[0]?.options.map((o) => o.label), ['red', 'green', 'blue']);
    assert.equal(q.questions?.[0]?.multiSelect, false);
    const shown = await rcd.ok(['approvals', id]);
    assert.match(shown, /AskUserQuestion: Claude asks\n {6}1\. \[Which\] Which color\? {2}\(pick one[^\n]*\n {9}1\) red — the red option\n {9}2\) green/);
    assert.match(await rcd.logs(id), /→ AskUserQuestion: Which color\?\n[\s\S]*waiting for an answer [0-9a-f]{8}: rcd answer [0-9a-f]+ [0-9a-f]{8} ANSWER\.\.\./);
    const refused = await rcd.run(['approve', id]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is a question from Claude Code: answer it with `rcd answer number [0-9a-f]{8} ANSWER\.\.\.`/);

    const out = await rcd.ok(['answer', id, '2']);
    assert.match(out, /answered [0-9a-f]{8}: "Which color\?"="green"/);
    await logsMatch(rcd, id, /tool said: Your questions have been answered: "Which color\?"="green"/);
    const [done] = await approvals(rcd, id, true);
    assert.deepEqual([done?.state, done?.decidedBy, done?.answers], ['allowed', 'local', { 'Which color?': 'green' }]);
    const audit = (JSON.parse(await rcd.ok(['approvals', id, '--audit', '--json'])) as AuditDoc[]).filter((e) => e.approval === q.id);
    assert.deepEqual(audit.map((e) => [e.kind, e.action, e.actor, e.detail]), [['question', 'requested', 'agent', null], ['question', 'allowed', 'local', '"Which color?"="green"']]);
  });

  it('several questions with REQUEST named: a label and free text; multiSelect by numbers and labels', async () => {
    const { id } = await start(rcd, 'several');
    await rcd.ok(['send', id, 'ask: Which color? = red | green && Toppings? =* cheese | ham | olives && Why? = because | dunno']);
    const q = await pending(rcd, id);
    assert.deepEqual(q.questions?.map((x) => x.multiSelect), [false, true, false]);
    await rcd.ok(['answer', id, q.id.slice(0, 8), 'GREEN', '1,olives', 'I like it, mostly']);
    await logsMatch(rcd, id, /"Which color\?"="green", "Toppings\?"="cheese, olives", "Why\?"="I like it, mostly"/);
  });

  it('a wrong number of answers or an out-of-range number is a usage error listing the options; the question stays pending', async () => {
    const { id, dir } = await start(rcd, 'wrong');
    await rcd.ok(['send', id, 'ask: Which color? = red | green']);
    const q = await pending(rcd, id);
    const two = await rcd.run(['answer', id, '1', '2']);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /asks 1 question and 2 answers were given[\s\S]*1\) red[\s\S]*2\) green/);
    const far = await rcd.run(['answer', id, '3']);
    assert.equal(far.code, 2);
    assert.match(far.stderr, /3 is not an option of question 1/);
    assert.equal((await approvals(rcd, id))[0]?.id, q.id, 'still pending');
    await rcd.ok(['answer', id, 'red']);
    await logsMatch(rcd, id, /"Which color\?"="red"/);
    // A tool request named as REQUEST is not a question: exit 1, and nothing pending means exit 1 too.
    await rcd.ok(['send', id, `run: touch ${join(dir, 'x')}`]);
    const t = await pending(rcd, id);
    const notQuestion = await rcd.run(['answer', id, t.id.slice(0, 8), 'red']);
    assert.equal(notQuestion.code, 1);
    assert.match(notQuestion.stderr, /is not a pending question: it is a tool request/);
    const none = await rcd.run(['answer', id, 'red']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no pending question/);
    await rcd.ok(['deny', id]);
  });

  it('a plan is shown in full; deny -m keeps Claude planning; approve --mode acceptEdits accepts it and a file command then runs unasked', async () => {
    const { id, dir } = await start(rcd, 'plan', ['--permission-mode', 'plan']);
    await rcd.ok(['send', id, 'plan: 1. write the test\n2. make it pass']);
    const p = await pending(rcd, id);
    assert.deepEqual([p.kind, p.plan], ['plan', '1. write the test\n2. make it pass']);
    assert.match(await rcd.ok(['approvals', id]), /ExitPlanMode: Claude's plan\n {8}1\. write the test\n {8}2\. make it pass/);
    await rcd.ok(['deny', id, '-m', 'add a benchmark step']);
    await logsMatch(rcd, id, /tool failed: add a benchmark step/);
    assert.equal(await modeOf(id), 'plan', 'still planning');

    await rcd.ok(['send', id, 'plan: 1. write the test\n2. benchmark']);
    await waitFor(async () => (await approvals(rcd, id)).length === 1, 'the second plan');
    const wrong = await rcd.run(['approve', id, '--always']);
    assert.equal(wrong.code, 2, '--always is for tool calls');
    await rcd.ok(['approve', id, '--mode', 'acceptEdits']);
    await logsMatch(rcd, id, /tool said: User has approved your plan/);
    await waitFor(async () => (await modeOf(id)) === 'acceptEdits', 'the session to be in acceptEdits');
    await rcd.ok(['send', id, `run: touch ${join(dir, 'edited')}`]);
    await waitFor(() => existsSync(join(dir, 'edited')), 'the file command to run unasked');
    assert.equal((await approvals(rcd, id)).length, 0);
  });

  it('a plan accepted without --mode goes back to the mode before plan mode, and status shows it before the next prompt', async () => {
    const { id } = await start(rcd, 'planback', ['--permission-mode', 'acceptEdits']);
    await rcd.ok(['mode', id, 'plan']);
    await rcd.ok(['send', id, 'plan: 1. only this']);
    const p = await pending(rcd, id);
    assert.deepEqual([p.kind, p.plan], ['plan', '1. only this'], 'the plan as written to the plan file');
    await rcd.ok(['approve', id]);
    await logsMatch(rcd, id, /tool said: User has approved your plan\. [\s\S]*## Approved Plan:\n1\. only this\n── turn done/);
    await waitFor(async () => (await modeOf(id)) === 'acceptEdits', 'the mode Claude Code said (a system/status line), with no prompt since');
    assert.match(await rcd.logs(id), /── permissions now: plan\n[\s\S]*── permissions now: acceptEdits/);
  });

  it('approve --always: the same command runs unasked afterwards; one that writes by redirect still asks', async () => {
    const { id, dir } = await start(rcd, 'always');
    const touch = `run: touch ${join(dir, 'again')}`;
    await rcd.ok(['send', id, touch]);
    await pending(rcd, id);
    await rcd.ok(['approve', id, '--always']);
    await logsMatch(rcd, id, /tool said: \(Bash completed with no output\)/);
    await rcd.ok(['send', id, touch]);
    await waitFor(async () => (await rcd.logs(id)).match(/tool said: \(Bash completed with no output\)/g)?.length === 2, 'the second run');
    assert.equal((await approvals(rcd, id, true)).length, 1, 'asked once');
    const audit = JSON.parse(await rcd.ok(['approvals', id, '--audit', '--json'])) as AuditDoc[];
    assert.match(audit.find((e) => e.action === 'allowed')?.detail ?? '', /^always, this session: Bash\(touch /);

    const redirect = `run: echo x > ${join(dir, 'r')}`;
    await rcd.ok(['send', id, redirect]);
    await pending(rcd, id);
    await rcd.ok(['approve', id, '--always']);
    await waitFor(() => existsSync(join(dir, 'r')), 'the redirect to run');
    await rcd.ok(['send', id, redirect]);
    await pending(rcd, id);
    await rcd.ok(['deny', id]);
  });

  it('kill -9 of the daemon between committing an answer and writing it: the next daemon delivers it, once', async () => {
    const r = claudeRcd('rcd-questions-crash-', api.url);
    try {
      const { id } = await start(r, 'crash');
      await r.ok(['send', id, 'ask: Ship it? = yes | no']);
      const q = await pending(r, id);
      const agentPid = ((await r.session(id)) as unknown as { pid: number }).pid;
      process.kill(r.daemonPid() as number, 'SIGKILL');
      const crashed = await r.run(['answer', id, 'yes'], { env: { RCD_FAULT: 'crash-after-decide' } });
      assert.equal(crashed.code, 1, 'its daemon died before it could report');
      assert.equal(((await r.session(id)) as unknown as { pid: number }).pid, agentPid, 're-adopted');
      await logsMatch(r, id, /tool said: Your questions have been answered: "Ship it\?"="yes"/);
      const [done] = await approvals(r, id, true);
      assert.deepEqual([done?.id, done?.state, done?.answers], [q.id, 'allowed', { 'Ship it?': 'yes' }]);
      assert.equal((await r.logs(id)).match(/tool said: Your questions have been answered/g)?.length, 1, 'answered once');
    } finally {
      assert.deepEqual(await r.teardown(), []);
    }
  });
});

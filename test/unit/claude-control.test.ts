// ClaudeControl in the fast tier (issue 16): an in-memory-speed SQLite in a temp dir, a fake agent (its stdin
// recorded, its liveness switchable) and node:test's mock timers, no process spawned. What the daemon answers Claude
// Code for each kind of request, the auto-deny on timeout, and the refusals for a process that is gone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import pino from 'pino';
import { ClaudeControl } from '../../src/agents/claude/control/control.js';
import type { AgentIo } from '../../src/agents/control.js';
import { ApprovalStore } from '../../src/store/approvals.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EventStore } from '../../src/store/events.js';
import { SessionStore, type SessionRecord } from '../../src/store/sessions.js';

const S = 's1';
const line = (v: unknown) => Buffer.from(`${JSON.stringify(v)}\n`);
const ask = (id: string, tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  line({ type: 'control_request', request_id: id, request: { subtype: 'can_use_tool', tool_name: tool, input, ...extra } });

describe('ClaudeControl (fast tier: no processes)', () => {
  let dir: string;
  let db: Db;
  let sessions: SessionStore;
  let approvals: ApprovalStore;
  let control: ClaudeControl;
  let running: boolean;
  let written: Record<string, unknown>[];
  let timeoutMs: number | null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcd-control-'));
    db = openDatabase(join(dir, 'rcd.db'));
    sessions = new SessionStore(db);
    sessions.insert({ id: S, name: 'cc', cwd: '/w', agent: 'claude', command: [], env: {}, restartPolicy: 'no', state: 'running', createdAt: new Date().toISOString() });
    sessions.update(S, { run: 1 });
    approvals = new ApprovalStore(db);
    running = true;
    written = [];
    timeoutMs = null;
    const io: AgentIo = {
      get: (id) => sessions.get(id) as SessionRecord | undefined,
      write: async (_id, data) => {
        for (const l of data.toString().split('\n').filter(Boolean)) written.push(JSON.parse(l) as Record<string, unknown>);
        return data.length;
      },
      isRunning: () => running,
      setMode: (id, mode) => sessions.update(id, { permissionMode: mode }),
    };
    control = new ClaudeControl({ approvals, events: new EventStore(db), io, timeoutMs: () => timeoutMs, log: pino({ level: 'silent' }) });
  });
  afterEach(() => {
    control.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    mock.timers.reset();
  });

  const feed = (data: Buffer) => db.transaction(() => control.lineHandler(S, 1)(data))();
  const session = () => sessions.get(S) as SessionRecord;
  const answerTo = (id: string) => written.find((w) => (w.response as { request_id?: string } | undefined)?.request_id === id)?.response as
    { response: { behavior: string; updatedInput?: Record<string, unknown>; message?: string; updatedPermissions?: unknown[] } } | undefined;

  it('a tool request becomes a pending approval; approve writes allow with the input, once, and records who', async () => {
    feed(ask('r1', 'Bash', { command: 'ls' }));
    assert.deepEqual(control.pending(S).map((a) => [a.id, a.kind, a.state]), [['r1', 'tool', 'pending']]);
    feed(ask('r1', 'Bash', { command: 'ls' })); // the same line read again (a re-read after a restart) is one request
    assert.equal(control.pending(S).length, 1);
    await control.decide(session(), undefined, true, undefined, 'remote');
    assert.deepEqual(answerTo('r1')?.response, { behavior: 'allow', updatedInput: { command: 'ls' } });
    const [a] = approvals.all(S);
    assert.deepEqual([a?.state, a?.decidedBy, a?.delivered], ['allowed', 'remote', true]);
    await assert.rejects(control.decide(session(), 'r1', false, undefined, 'local'), /no pending|allowed/);
    assert.equal(written.length, 1, 'nothing more written');
  });

  it('a question is answered by number and by label; the answers go back in updatedInput', async () => {
    const questions = [{ question: 'Which color?', header: 'Color', multiSelect: false, options: [{ label: 'red' }, { label: 'green' }] }];
    feed(ask('q1', 'AskUserQuestion', { questions }, { requires_user_interaction: true }));
    assert.equal(control.pending(S)[0]?.kind, 'question');
    await assert.rejects(control.decide(session(), 'q1', true, undefined, 'local'), /question/);
    await control.answer(session(), ['2'], 'local');
    assert.deepEqual(answerTo('q1')?.response.updatedInput?.answers, { 'Which color?': 'green' });
    const q2 = '6f1c2a9e-0b7d-4c11-9a3e-5d2f8b7c1e40'; // Claude Code's request ids are UUIDs; REQUEST is a hex prefix
    feed(ask(q2, 'AskUserQuestion', { questions }));
    await control.answer(session(), [q2.slice(0, 8), 'red'], 'remote');
    assert.deepEqual(answerTo(q2)?.response.updatedInput?.answers, { 'Which color?': 'red' });
  });

  it('--always sends the request\'s own suggestions back for the session; --mode on a plan sets the mode', async () => {
    const suggestions = [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'touch x' }], behavior: 'allow', destination: 'session' }];
    feed(ask('t1', 'Bash', { command: 'touch x' }, { permission_suggestions: suggestions }));
    await control.approve(session(), 't1', { always: true }, 'local');
    assert.deepEqual(answerTo('t1')?.response.updatedPermissions, suggestions);
    feed(ask('p1', 'ExitPlanMode', { plan: '1. do it' }));
    await control.approve(session(), 'p1', { mode: 'acceptEdits' }, 'local');
    assert.deepEqual(answerTo('p1')?.response.updatedPermissions, [{ type: 'setMode', mode: 'acceptEdits', destination: 'session' }]);
  });

  it('denies on the configured timeout, by the timer, recorded as timeout', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    timeoutMs = 60_000;
    feed(ask('slow', 'Bash', { command: 'sleep 1' }));
    control.start();
    mock.timers.tick(59_000);
    assert.equal(approvals.all(S)[0]?.state, 'pending');
    mock.timers.tick(2_000);
    await new Promise((r) => setImmediate(r)); // the delivery after the decision is a promise
    const [a] = approvals.all(S);
    assert.deepEqual([a?.state, a?.decidedBy], ['denied', 'timeout']);
    assert.equal(answerTo('slow')?.response.behavior, 'deny');
  });

  it('an answer to a process that is gone is refused and the request expires, never written', async () => {
    feed(ask('gone', 'Bash', { command: 'ls' }));
    running = false;
    await assert.rejects(control.decide(session(), 'gone', true, undefined, 'local'), /no longer running/);
    assert.equal(approvals.all(S)[0]?.state, 'expired');
    assert.equal(written.length, 0);
    feed(line({ type: 'control_request', request_id: 'c1', request: { subtype: 'can_use_tool', tool_name: 'Bash', input: {} } }));
    feed(line({ type: 'control_cancel_request', request_id: 'c1' }));
    assert.equal(approvals.all(S).find((a) => a.id === 'c1')?.state, 'expired', 'withdrawn by the agent');
  });

  it('the init line\'s permission mode is recorded for the session', () => {
    feed(line({ type: 'system', subtype: 'init', session_id: 'x', permissionMode: 'plan', tools: [] }));
    assert.equal(session().permissionMode, 'plan');
  });

  it('a system/status line\'s permission mode is recorded at once (Claude Code 2.1.332 prints one when a plan is accepted)', () => {
    feed(line({ type: 'system', subtype: 'init', session_id: 'x', permissionMode: 'plan', tools: [] }));
    feed(line({ type: 'system', subtype: 'status', status: null, permissionMode: 'acceptEdits', uuid: 'u', session_id: 'x' }));
    assert.equal(session().permissionMode, 'acceptEdits');
    feed(line({ type: 'system', subtype: 'status', status: null, uuid: 'u2', session_id: 'x' })); // no mode in it: kept
    assert.equal(session().permissionMode, 'acceptEdits');
  });
});

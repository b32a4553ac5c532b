// The claude agent against a protocol-faithful fake Claude Code (test/fixtures/fake-claude.mjs) whose model is a
// mock Messages API on 127.0.0.1: prompts, rendered and raw logs, approvals (allow, deny, expiry, the audit trail),
// owned flags, and restarts. Deaths (crash, kill -9, reboot), stop and timeouts: claude-deaths.test.ts.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, waitFor, type Rcd } from '../helpers/harness.js';
import { approvals, logsMatch, pending, startClaude, useClaudeFixture } from '../helpers/claude-cli.js';

/** A daemon whose sessions run the fake Claude Code with the mock model and a private HOME. */
const { claudeRcd, api } = useClaudeFixture('rcd-claude-');

describe('claude sessions', () => {
  let rcd: Rcd;
  before(() => {
    rcd = claudeRcd();
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), []);
  });

  it('starts running with a pre-assigned conversation id, answers a prompt, renders logs and keeps the raw JSON', async () => {
    const id = await startClaude(rcd, 'basic');
    const s = (await rcd.status(id)).sessions[0] as unknown as Record<string, unknown>;
    assert.equal(s.state, 'running');
    assert.equal(s.agent, 'claude');
    assert.equal(s.restartPolicy, 'on-failure', 'claude sessions restart on failure by default');
    assert.match(String(s.agentSessionId), /^[0-9a-f-]{36}$/);
    const before = api().requests;
    await rcd.ok(['send', 'basic', 'hello there']);
    const rendered = (await logsMatch(rcd, 'basic', /── turn done/)).input;
    assert.match(rendered, /^── claude .*conversation [0-9a-f-]{36}$/m);
    assert.match(rendered, /^echo: hello there$/m);
    assert.match(rendered, /── turn done · 1 turn · \$\d+\.\d{4}/);
    assert.ok(api().requests > before, 'the fake asked the mock Messages API');
    const raw = await rcd.ok(['logs', 'basic', '--json']);
    const lines = raw.trim().split('\n').map((l) => JSON.parse(l) as { type: string; session_id?: string });
    assert.deepEqual(lines.map((l) => l.type), ['system', 'user', 'assistant', 'result']);
    assert.match(rendered, /^> hello there\necho: hello there$/m, 'the prompt is shown (replayed by Claude Code), then the answer');
    assert.equal(lines[0]?.session_id, s.agentSessionId, 'Claude Code runs under the id rcd assigned');
  });

  it('a prompt of several lines is one user message', async () => {
    await rcd.ok(['send', 'basic', 'line one\nline two']);
    await logsMatch(rcd, 'basic', /^> line one\n> line two\n(echo: line one line two|echo: line one\nline two)$/m);
    const turns = (await rcd.logs('basic')).match(/── turn done/g) ?? [];
    assert.equal(turns.length, 2, 'one turn for the two lines');
  });

  it('a tool call waits in `rcd approvals`; approve runs it once and records who decided', async () => {
    await rcd.ok(['send', 'basic', 'run: echo approved-$((40+2))']);
    const [a] = await pending(rcd, 'basic');
    assert.ok(a);
    assert.equal(a.tool, 'Bash');
    assert.equal(a.input.command, 'echo approved-$((40+2))');
    assert.equal(a.state, 'pending');
    assert.equal(a.decidedBy, null);
    assert.equal((await rcd.session('basic')).pendingApprovals, 1);
    assert.match(await rcd.logs('basic'), /\? Bash: echo approved-\$\(\(40\+2\)\)\n {2}description: run echo approved-\$\(\(40\+2\)\)\n {2}waiting for approval [0-9a-f]{8}/);

    const out = await rcd.ok(['approve', 'basic']);
    assert.match(out, /^allowed [0-9a-f]{8}: Bash: echo approved/);
    await logsMatch(rcd, 'basic', /tool said: approved-42/);
    assert.equal((await rcd.session('basic')).pendingApprovals, 0);
    const [decided] = (await approvals(rcd, 'basic', true)).filter((x) => x.id === a.id);
    assert.equal(decided?.state, 'allowed');
    assert.equal(decided?.decidedBy, 'local');
    const again = await rcd.run(['approve', 'basic']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /nothing is waiting for approval/);
    const twice = await rcd.run(['approve', 'basic', a.id.slice(0, 8)]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already allowed/);
    const audit = (JSON.parse(await rcd.ok(['approvals', 'basic', '--audit', '--json'])) as { approval: string; action: string; actor: string }[])
      .filter((e) => e.approval === a.id).map((e) => `${e.action} by ${e.actor}`);
    assert.deepEqual(audit, ['requested by agent', 'allowed by local'], 'the request and the decision, once each');
  });

  it('deny (by id prefix) refuses the tool with the message, and the tool never runs', async () => {
    const marker = join(rcd.home, 'denied-marker');
    await rcd.ok(['send', 'basic', `run: touch ${marker}`]);
    const [a] = await pending(rcd, 'basic');
    assert.ok(a);
    await rcd.ok(['deny', 'basic', a.id.slice(0, 6), '--message', 'not on my machine']);
    await logsMatch(rcd, 'basic', /tool failed: not on my machine/);
    assert.equal(existsSync(marker), false);
    const raw = await rcd.ok(['logs', 'basic', '--json']);
    const result = raw.trim().split('\n').map((l) => JSON.parse(l) as { type: string; permission_denials?: unknown[] }).filter((l) => l.type === 'result').at(-1);
    assert.equal(result?.permission_denials?.length, 1);
  });

  it('deny without a message sends the default one', async () => {
    await rcd.ok(['send', 'basic', 'run: echo nope']);
    await pending(rcd, 'basic');
    await rcd.ok(['deny', 'basic']);
    await logsMatch(rcd, 'basic', /tool failed: Denied by the user via rcd/);
  });

  it('the audit trail outlives the session: after rm it still shows who decided what', async () => {
    const before = JSON.parse(await rcd.ok(['approvals', '--audit', '--json'])) as unknown[];
    assert.ok(before.length >= 6, 'three requests and three decisions so far');
    await rcd.ok(['stop', 'basic']);
    await rcd.ok(['rm', 'basic']);
    assert.deepEqual(JSON.parse(await rcd.ok(['approvals', '--audit', '--json'])), before);
    assert.match(await rcd.ok(['approvals', '--audit']), /denied\s+local\s+not on my machine/);
  });

  it('refuses flags rcd owns (usage error) and names what it looked for when Claude Code is missing', async () => {
    const owned = await rcd.run(['start', '--agent', 'claude', '--cwd', rcd.workdir('owned'), '--', '--resume', 'x']);
    assert.equal(owned.code, 2);
    assert.match(owned.stderr, /--resume is one of the Claude Code flags rcd sets itself/);
    const missing = await rcd.run(['start', '--agent', 'claude', '--cwd', rcd.workdir('missing'), '--name', 'missing'], {
      env: { RCD_CLAUDE_BIN: '/nonexistent/claude' },
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Claude Code not found: looked for RCD_CLAUDE_BIN=\/nonexistent\/claude/);
    assert.equal((await rcd.session('missing')).state, 'failed');
    const notExec = join(rcd.home, 'not-executable');
    writeFileSync(notExec, 'plain text\n');
    const bad = await rcd.run(['start', '--agent', 'claude', '--cwd', rcd.workdir('notexec')], { env: { RCD_CLAUDE_BIN: notExec } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /RCD_CLAUDE_BIN=.*not-executable is not an executable file/);
    const generic = await rcd.run(['approve', 'missing']);
    assert.equal(generic.code, 1);
  });
});

describe('claude restarts', () => {
  it('rcd restart after a stop continues the conversation: same id, same conversation id', async () => {
    const rcd = claudeRcd();
    try {
      const id = await startClaude(rcd, 'again');
      const before = (await rcd.status(id)).sessions[0] as unknown as { agentSessionId: string };
      await rcd.ok(['send', id, 'keep this in mind']);
      await logsMatch(rcd, id, /echo: keep this in mind/);
      await rcd.ok(['stop', id]);
      assert.equal((await rcd.ok(['restart', id])).trim(), id);
      const after = (await rcd.status(id)).sessions[0] as unknown as { state: string; agentSessionId: string };
      assert.equal(after.state, 'running');
      assert.equal(after.agentSessionId, before.agentSessionId);
      await rcd.ok(['send', id, 'recall']);
      await logsMatch(rcd, id, /your first message was: keep this in mind/);
      // A running session is stopped first, then run again.
      const pid = (await rcd.session(id)).pid;
      await rcd.ok(['restart', id]);
      const again = await rcd.session(id);
      assert.equal(again.state, 'running');
      assert.notEqual(again.pid, pid);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('Claude Code missing at a policy restart (an updater mid-swap) is retried on the backoff and found once back', async () => {
    const rcd = claudeRcd();
    rcd.writeConfig({ restartBackoffMs: 300 });
    const binDir = mkdtempSync(join(rcd.home, 'bin-'));
    const bin = join(binDir, 'claude');
    copyFileSync(fixture('fake-claude.mjs'), bin);
    chmodSync(bin, 0o755);
    rcd.env.RCD_CLAUDE_BIN = bin;
    try {
      const id = await startClaude(rcd, 'swap');
      await rcd.ok(['send', id, 'before the update']);
      await logsMatch(rcd, id, /echo: before the update/);
      renameSync(bin, `${bin}.old`); // the updater removed the old version...
      process.kill((await rcd.session(id)).pid as number, 'SIGKILL');
      await waitFor(async () => {
        const s = await rcd.session(id);
        return s.state === 'restarting' && /Claude Code not found/.test(s.reason ?? '') && s.restarts >= 2;
      }, 'a retry that did not find the binary');
      renameSync(`${bin}.old`, bin); // ...and the new one is in place
      await waitFor(async () => (await rcd.session(id)).state === 'running', 'the session to run again', 15_000);
      await rcd.ok(['send', id, 'recall']);
      await logsMatch(rcd, id, /your first message was: before the update/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a session failed for a missing binary comes back with rcd restart once the binary is there', async () => {
    const rcd = claudeRcd();
    const bin = join(rcd.home, 'claude-later');
    rcd.env.RCD_CLAUDE_BIN = bin;
    try {
      const failed = await rcd.run(['start', '--agent', 'claude', '--cwd', rcd.workdir('later'), '--name', 'later']);
      assert.equal(failed.code, 1);
      assert.equal((await rcd.session('later')).state, 'failed');
      copyFileSync(fixture('fake-claude.mjs'), bin);
      chmodSync(bin, 0o755);
      await rcd.ok(['restart', 'later']);
      assert.equal((await rcd.session('later')).state, 'running');
      await rcd.ok(['send', 'later', 'finally']);
      await logsMatch(rcd, 'later', /echo: finally/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

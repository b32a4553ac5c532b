// The claude agent against a protocol-faithful fake Claude Code (test/fixtures/fake-claude.mjs) whose model is a
// mock Messages API on 127.0.0.1: prompts, rendered and raw logs, approvals (allow, deny, timeout, expiry),
// resume after a crash, a daemon kill -9 and a reboot, stop with an interrupt and detached tool processes.
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fixture, isAlive, waitFor, type Rcd } from '../helpers/harness.js';
import { claudeRcd as sharedClaudeRcd } from '../helpers/claude.js';
import { startMockMessagesApi, type MockMessagesApi } from '../helpers/mock-messages-api.js';

interface ApprovalDoc {
  id: string; session: string; tool: string; input: Record<string, unknown>; state: string; createdAt: string;
  decidedBy: string | null; message: string | null;
}

let api: MockMessagesApi;
before(async () => {
  api = await startMockMessagesApi();
});
after(async () => {
  await api.close();
});

/** A daemon whose sessions run the fake Claude Code with the mock model and a private HOME. */
const claudeRcd = () => sharedClaudeRcd('rcd-claude-', api.url);

async function startClaude(rcd: Rcd, name: string, extra: string[] = []): Promise<string> {
  return (await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir(name), '--name', name, ...extra])).trim();
}

const logsMatch = (rcd: Rcd, ref: string, re: RegExp, timeoutMs = 10_000) =>
  waitFor(async () => re.exec(await rcd.logs(ref)), `logs of ${ref} to match ${re}`, timeoutMs);

async function approvals(rcd: Rcd, ref?: string, all = false): Promise<ApprovalDoc[]> {
  return JSON.parse(await rcd.ok(['approvals', ...(ref ? [ref] : []), ...(all ? ['--all'] : []), '--json'])) as ApprovalDoc[];
}

const pending = (rcd: Rcd, ref: string, n = 1) =>
  waitFor(async () => {
    const list = await approvals(rcd, ref);
    return list.length >= n ? list : null;
  }, `${n} pending approval(s) in ${ref}`);

function dbRow<T>(rcd: Rcd, sql: string, ...args: unknown[]): T {
  const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
  try {
    return db.prepare(sql).get(...args) as T;
  } finally {
    db.close();
  }
}

/** A daemon whose boot id can be changed, to stage a reboot. */
function rebootableRcd(): { rcd: Rcd; reboot: (id: string, agentPid: number) => Promise<void> } {
  const rcd = claudeRcd();
  const bootFile = join(rcd.home, 'boot_id');
  writeFileSync(bootFile, 'boot-one\n');
  rcd.env.RCD_BOOT_ID_PATH = bootFile;
  /** The machine goes down: the daemon (if any) and the session's processes die at once; the next boot has another id. */
  const reboot = async (id: string, agentPid: number) => {
    const daemon = rcd.daemonPid();
    if (daemon !== null && isAlive(daemon)) process.kill(daemon, 'SIGKILL');
    process.kill(-dbRow<{ w: number }>(rcd, 'SELECT wrapper_pid AS w FROM sessions WHERE id = ?', id).w, 'SIGKILL');
    await waitFor(() => !isAlive(agentPid), 'the agent to die');
    writeFileSync(bootFile, 'boot-two\n');
  };
  return { rcd, reboot };
}

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
    const before = api.requests;
    await rcd.ok(['send', 'basic', 'hello there']);
    const rendered = (await logsMatch(rcd, 'basic', /── turn done/)).input;
    assert.match(rendered, /^── claude .*conversation [0-9a-f-]{36}$/m);
    assert.match(rendered, /^echo: hello there$/m);
    assert.match(rendered, /── turn done · 1 turn · \$\d+\.\d{4}/);
    assert.ok(api.requests > before, 'the fake asked the mock Messages API');
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

describe('claude sessions across deaths', () => {
  it('a crash of Claude Code is restarted with --resume: the conversation continues, the pending approval expires', async () => {
    const rcd = claudeRcd();
    try {
      const id = await startClaude(rcd, 'crash');
      await rcd.ok(['send', id, 'remember banana']);
      await logsMatch(rcd, id, /echo: remember banana/);
      await rcd.ok(['send', id, 'run: echo never']);
      const [a] = await pending(rcd, id);
      const old = await rcd.session(id);
      process.kill(old.pid as number, 'SIGKILL');
      const back = await waitFor(async () => {
        const s = await rcd.session(id);
        return s.state === 'running' && s.pid !== old.pid ? s : null;
      }, 'the restart');
      assert.equal(back.restarts, 1);
      const [expired] = (await approvals(rcd, id, true)).filter((x) => x.id === a?.id);
      assert.equal(expired?.state, 'expired', 'the dead process can no longer receive an answer');
      assert.equal(expired?.decidedBy, 'rcd');
      const late = await rcd.run(['approve', id]);
      assert.equal(late.code, 1, 'nothing is pending any more');
      await rcd.ok(['send', id, 'recall']);
      await logsMatch(rcd, id, /your first message was: remember banana/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a prompt sent during the restart backoff waits for the new process instead of failing', async () => {
    const rcd = claudeRcd();
    rcd.writeConfig({ restartBackoffMs: 5_000 }); // wide enough that the send below surely lands in the backoff
    try {
      const id = await startClaude(rcd, 'backoff');
      const old = await rcd.session(id);
      process.kill(old.pid as number, 'SIGKILL');
      await waitFor(async () => (await rcd.session(id)).state === 'restarting', 'the restart backoff');
      await rcd.ok(['send', id, 'sent while restarting']);
      const s = await rcd.session(id);
      assert.equal(s.state, 'running');
      assert.notEqual(s.pid, old.pid);
      await logsMatch(rcd, id, /echo: sent while restarting/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('kill -9 of the daemon mid-turn: the new daemon re-adopts, the approval is still pending and its answer arrives once', async () => {
    const rcd = claudeRcd();
    try {
      const id = await startClaude(rcd, 'adopt');
      await rcd.ok(['send', id, 'run: echo after-daemon-death']);
      const [a] = await pending(rcd, id);
      const agentPid = (await rcd.session(id)).pid;
      process.kill(rcd.daemonPid() as number, 'SIGKILL');
      const s = await rcd.session(id); // starts a new daemon
      assert.equal(s.state, 'running');
      assert.equal(s.pid, agentPid, 'the same Claude Code process');
      assert.equal(s.pendingApprovals, 1);
      await rcd.ok(['approve', id, a?.id as string]);
      await logsMatch(rcd, id, /tool said: after-daemon-death/);
      const logs = await rcd.logs(id);
      assert.equal(logs.match(/waiting for approval/g)?.length, 1, 'the request was recorded once');
      assert.equal(logs.match(/tool said: after-daemon-death/g)?.length, 1, 'the tool ran once');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a daemon killed between committing a decision and writing it: the next daemon delivers it, the tool runs once', async () => {
    const rcd = claudeRcd();
    try {
      const id = await startClaude(rcd, 'redeliver');
      await rcd.ok(['send', id, 'run: echo delivered-late']);
      const [a] = await pending(rcd, id);
      const agentPid = (await rcd.session(id)).pid;
      process.kill(rcd.daemonPid() as number, 'SIGKILL');
      // The next daemon dies right after committing the decision, before writing it to Claude Code.
      const crashed = await rcd.run(['approve', id], { env: { RCD_FAULT: 'crash-after-decide' } });
      assert.equal(crashed.code, 1, 'the command cannot report success: its daemon died');
      const row = dbRow<{ state: string; delivered: number }>(rcd, 'SELECT state, delivered FROM approvals WHERE id = ?', a?.id);
      assert.deepEqual(row, { state: 'allowed', delivered: 0 }, 'decided, not delivered');
      // Any next command starts a daemon (without the fault) that re-adopts Claude Code and re-sends the answer.
      assert.equal((await rcd.session(id)).pid, agentPid);
      await logsMatch(rcd, id, /tool said: delivered-late/);
      await waitFor(() => dbRow<{ delivered: number }>(rcd, 'SELECT delivered FROM approvals WHERE id = ?', a?.id).delivered === 1, 'delivered');
      assert.equal((await rcd.logs(id)).match(/tool said: delivered-late/g)?.length, 1, 'the tool ran once');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a reboot restores the session with --resume: same rcd id and conversation id, history intact', async () => {
    const { rcd, reboot } = rebootableRcd();
    try {
      const id = await startClaude(rcd, 'reboot');
      const before = (await rcd.status(id)).sessions[0] as unknown as { agentSessionId: string; pid: number };
      await rcd.ok(['send', id, 'the password is swordfish']);
      await logsMatch(rcd, id, /echo: the password is swordfish/);
      await rcd.ok(['send', id, 'run: echo pending-at-reboot']);
      await pending(rcd, id);
      await reboot(id, before.pid);

      const back = await waitFor(async () => {
        const s = (await rcd.status(id)).sessions[0] as unknown as { state: string; pid: number; agentSessionId: string; restarts: number; pendingApprovals: number };
        return s.state === 'running' && s.pid !== before.pid ? s : null;
      }, 'the restore');
      assert.equal(back.agentSessionId, before.agentSessionId);
      assert.equal(back.restarts, 0);
      assert.equal(back.pendingApprovals, 0, 'the approval of the dead process expired');
      await rcd.ok(['send', id, 'recall']);
      await logsMatch(rcd, id, /your first message was: the password is swordfish/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a request written while no daemon ran, then a reboot: recorded for the run that asked, and expired with it', async () => {
    const { rcd, reboot } = rebootableRcd();
    try {
      const id = await startClaude(rcd, 'late');
      const before = await rcd.session(id);
      process.kill(rcd.daemonPid() as number, 'SIGKILL');
      // With no daemon around, a prompt already in the pipe makes Claude Code ask for approval.
      const dir = join(rcd.home, 'sessions', id);
      appendFileSync(join(dir, 'stdin'), `${JSON.stringify({ type: 'user', message: { role: 'user', content: 'run: echo unseen' } })}\n`);
      await waitFor(() => readFileSync(join(dir, 'output'), 'utf8').includes('can_use_tool'), 'the request in the output file');
      await reboot(id, before.pid as number);

      const back = await waitFor(async () => {
        const s = await rcd.session(id);
        return s.state === 'running' && s.pid !== before.pid ? s : null;
      }, 'the restore');
      assert.equal(back.pendingApprovals, 0, 'nothing waits on a process that is gone');
      const [a] = await approvals(rcd, id, true);
      assert.equal(a?.state, 'expired');
      assert.equal(dbRow<{ run: number }>(rcd, 'SELECT run FROM approvals WHERE session_id = ?', id).run, 1, 'recorded for the run that asked');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a session restored before its first message starts the conversation afresh (no transcript to resume)', async () => {
    const rcd = claudeRcd();
    try {
      const id = await startClaude(rcd, 'fresh');
      const old = await rcd.session(id);
      process.kill(old.pid as number, 'SIGKILL');
      await waitFor(async () => {
        const s = await rcd.session(id);
        return s.state === 'running' && s.pid !== old.pid;
      }, 'the restart');
      await rcd.ok(['send', id, 'first words']);
      await logsMatch(rcd, id, /echo: first words/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('after its first message, Claude Code binary swapped by an updater: the restart runs the new one', async () => {
    const rcd = claudeRcd();
    const binDir = mkdtempSync(join(rcd.home, 'bin-'));
    const bin = join(binDir, 'claude');
    copyFileSync(fixture('fake-claude.mjs'), bin);
    rcd.env.RCD_CLAUDE_BIN = bin;
    try {
      const id = await startClaude(rcd, 'update');
      await rcd.ok(['send', id, 'v1 here']);
      await logsMatch(rcd, id, /echo: v1 here/);
      // The updater replaces the file (a new inode at the same path) and the old process crashes.
      writeFileSync(`${bin}.new`, `#!/bin/sh\necho "updated binary" >&2\nexec "${process.execPath}" "${fixture('fake-claude.mjs')}" "$@"\n`, { mode: 0o755 });
      renameSync(`${bin}.new`, bin);
      process.kill((await rcd.session(id)).pid as number, 'SIGKILL');
      await logsMatch(rcd, id, /^updated binary$/m);
      await rcd.ok(['send', id, 'recall']);
      await logsMatch(rcd, id, /your first message was: v1 here/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
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

describe('claude stop and timeouts', () => {
  it('stop interrupts the turn, expires the pending approval and ends detached tool processes too', async () => {
    const rcd = claudeRcd();
    try {
      const id = await startClaude(rcd, 'stopper');
      await rcd.ok(['send', id, 'run: sleep 300 > /dev/null 2>&1 & echo bg=$!']);
      await pending(rcd, id);
      await rcd.ok(['approve', id]);
      const bg = Number((await logsMatch(rcd, id, /tool said: bg=(\d+)/))[1]);
      assert.ok(isAlive(bg), 'the background job runs');
      await rcd.ok(['send', id, 'run: echo left-pending']);
      const [a] = await pending(rcd, id);
      await rcd.ok(['stop', id]);
      assert.equal(isAlive(bg), false, 'the detached background job was stopped with the session');
      const [expired] = (await approvals(rcd, id, true)).filter((x) => x.id === a?.id);
      assert.equal(expired?.state, 'expired');
      const raw = await rcd.ok(['logs', id, '--json']);
      assert.match(raw, /"type":"control_cancel_request"/, 'the interrupt reached Claude Code, which withdrew its request');
      assert.equal((await rcd.session(id)).state, 'stopped');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a changed approvalTimeoutMs applies to requests already waiting', async () => {
    const rcd = claudeRcd();
    rcd.writeConfig({ approvalTimeoutMs: 3_600_000 });
    try {
      const id = await startClaude(rcd, 'retime');
      await rcd.ok(['send', id, 'run: echo waits']);
      await pending(rcd, id);
      rcd.writeConfig({ approvalTimeoutMs: 200 });
      await logsMatch(rcd, id, /tool failed: No answer within 200 ms; denied by rcd/);
      assert.equal((await approvals(rcd, id, true))[0]?.decidedBy, 'timeout');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('an approval overdue while no daemon ran is denied to the process that asked once it is re-adopted, not expired', async () => {
    // Two sessions wait for approvals when the daemon dies; the first one's process dies too and the timeout is
    // shortened. Recovery restores the first (expiring its approval) before it re-adopts the second: the second's
    // process still waits, so its overdue approval must be denied to it, not written off as unreachable.
    const rcd = claudeRcd();
    rcd.writeConfig({ approvalTimeoutMs: 3_600_000 });
    try {
      const first = await startClaude(rcd, 'first');
      const second = await startClaude(rcd, 'second');
      await rcd.ok(['send', first, 'run: echo first-waits']);
      await rcd.ok(['send', second, 'run: echo second-waits']);
      const [a1] = await pending(rcd, first);
      const [a2] = await pending(rcd, second);
      const secondPid = (await rcd.session(second)).pid as number;
      process.kill(rcd.daemonPid() as number, 'SIGKILL');
      const w = dbRow<{ w: number; p: number }>(rcd, 'SELECT wrapper_pid AS w, pid AS p FROM sessions WHERE id = ?', first);
      process.kill(-w.w, 'SIGKILL');
      await waitFor(() => !isAlive(w.p), 'the first session\'s Claude Code to die');
      rcd.writeConfig({ approvalTimeoutMs: 200 });
      await waitFor(() => Date.now() - Date.parse(a2?.createdAt as string) > 400, 'the second approval to be overdue');
      await rcd.session(second); // a new daemon: restores the first session, re-adopts the second
      await logsMatch(rcd, second, /tool failed: No answer within 200 ms; denied by rcd/);
      const [d2] = (await approvals(rcd, second, true)).filter((x) => x.id === a2?.id);
      assert.deepEqual([d2?.state, d2?.decidedBy], ['denied', 'timeout'], 'denied to the process that asked');
      assert.equal((await rcd.session(second)).pid, secondPid, 'the same Claude Code process got the answer');
      const [d1] = (await approvals(rcd, first, true)).filter((x) => x.id === a1?.id);
      assert.deepEqual([d1?.state, d1?.decidedBy], ['expired', 'rcd'], 'the dead process\'s request expired with it');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('approvalTimeoutMs denies an unanswered request with a message, decided by "timeout"', async () => {
    const rcd = claudeRcd();
    rcd.writeConfig({ approvalTimeoutMs: 300 });
    try {
      const id = await startClaude(rcd, 'timeout');
      await rcd.ok(['send', id, 'run: echo too-late']);
      await logsMatch(rcd, id, /tool failed: No answer within 300 ms; denied by rcd/);
      const [a] = await approvals(rcd, id, true);
      assert.equal(a?.state, 'denied');
      assert.equal(a?.decidedBy, 'timeout');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

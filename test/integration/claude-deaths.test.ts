// The claude agent across deaths, stops and timeouts, against the fake Claude Code and the mock model (as
// claude.test.ts): resume after a crash, a daemon kill -9 (an approval pending, a decision not yet written), a
// reboot, stop with an interrupt and detached tool processes, approvalTimeoutMs.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, isAlive, waitFor, type Rcd } from '../helpers/harness.js';
import { approvals, dbRow, logsMatch, pending, rebootable, startClaude, useClaudeFixture } from '../helpers/claude-cli.js';

/** A daemon whose sessions run the fake Claude Code with the mock model and a private HOME. */
const { claudeRcd } = useClaudeFixture('rcd-claude-');

/** A daemon whose boot id can be changed, to stage a reboot. */
function rebootableRcd(): { rcd: Rcd; reboot: (id: string, agentPid: number) => Promise<void> } {
  const rcd = claudeRcd();
  return { rcd, reboot: rebootable(rcd) };
}

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

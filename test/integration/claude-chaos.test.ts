// Approvals under daemon kills: the daemon is SIGKILLed at random moments around `rcd approve` (before, during or
// after it commits and writes the answer). Whatever the timing, every approved tool call runs exactly once and no
// approval is left undelivered.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isAlive, waitFor } from '../helpers/harness.js';
import { claudeRcd } from '../helpers/claude.js';
import { startMockMessagesApi, type MockMessagesApi } from '../helpers/mock-messages-api.js';

const ROUNDS = 8;

describe('approvals while the daemon is killed', () => {
  let api: MockMessagesApi;
  before(async () => {
    api = await startMockMessagesApi();
  });
  after(async () => {
    await api.close();
  });

  it(`${ROUNDS} approvals, each raced by a kill -9 of the daemon: every tool runs exactly once`, async (t) => {
    const rcd = claudeRcd('rcd-claude-chaos-', api.url);
    try {
      const id = (await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir('w'), '--name', 'chaos'])).trim();
      const agentPid = (await rcd.session(id)).pid;
      const seen: Record<string, number> = {}; // where the kill landed, as the database shows it afterwards
      for (let round = 0; round < ROUNDS; round++) {
        await rcd.ok(['send', id, `run: echo round-${round}`]);
        await waitFor(async () => (await rcd.session(id)).pendingApprovals === 1, `round ${round}'s request`);
        const daemon = rcd.daemonPid() as number;
        // The approve and the kill race. The CLI needs ~100 ms (Node's start) before its request reaches the daemon,
        // so kills 60-200 ms after its spawn land before, during or after the decision is committed and written.
        const approving = rcd.run(['approve', id], { timeoutMs: 30_000 });
        await new Promise((r) => setTimeout(r, 60 + Math.floor(Math.random() * 140)));
        process.kill(daemon, 'SIGKILL');
        await approving;
        await waitFor(() => !isAlive(daemon), 'the daemon to die');
        const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
        const row = db.prepare("SELECT state, delivered FROM approvals WHERE session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1").get(id) as { state: string; delivered: number };
        db.close();
        const where = row.state === 'pending' ? 'still pending' : row.delivered ? 'delivered' : 'decided, not yet delivered';
        seen[where] = (seen[where] ?? 0) + 1;
        // Whatever the race left: a pending approval is approved again; a decided one is (re-)delivered.
        const s = await rcd.session(id); // starts the next daemon
        if (s.pendingApprovals === 1) await rcd.ok(['approve', id]);
        await waitFor(async () => (await rcd.logs(id)).includes(`tool said: round-${round}\n`), `round ${round}'s tool to run`);
      }
      t.diagnostic(`kills landed: ${JSON.stringify(seen)}`);
      const logs = await rcd.logs(id);
      for (let round = 0; round < ROUNDS; round++) {
        assert.equal(logs.split(`tool said: round-${round}\n`).length - 1, 1, `round ${round}'s tool ran exactly once`);
      }
      assert.equal((await rcd.session(id)).pid, agentPid, 'Claude Code was re-adopted every time, never restarted');
      const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
      const rows = db.prepare('SELECT state, delivered FROM approvals WHERE session_id = ?').all(id) as { state: string; delivered: number }[];
      db.close();
      assert.equal(rows.length, ROUNDS, 'one approval per request: none recorded twice');
      assert.deepEqual(rows.filter((r) => r.state !== 'allowed' || r.delivered !== 1), [], 'all allowed and delivered');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

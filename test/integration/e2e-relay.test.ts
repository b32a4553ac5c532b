// End-to-end encryption through a real relay: what a session prints reaches the relay sealed — no marker of it in
// the relay's database, WAL or log — and `rcd remote logs` opens it with the key in the URL. A relay that alters a
// stored record or passes off a readable one of its own gets it refused, not shown.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { withRelay } from '../helpers/relay.js';
import { claudeRcd } from '../helpers/claude.js';
import { startMockMessagesApi } from '../helpers/mock-messages-api.js';

const MARKER = 'sealed-marker-7f3a91';

/** Every file the relay keeps (database, WAL, log), as bytes. */
function relayFiles(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

describe('end-to-end encryption of session output', () => {
  it('the relay holds no byte of the output in the clear, and rcd remote logs reads it with the URL key', async () => {
    const rcd = new Rcd('rcd-e2e-');
    await withRelay(rcd, async (relay) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'sealed', '--', process.execPath, fixture('echo.mjs')]);
      const url = (await rcd.ok(['url', 'sealed'])).trim();
      await rcd.ok(['send', 'sealed', `${MARKER} one`]);
      await rcd.ok(['send', 'sealed', `${MARKER} two`]);
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])).includes(`echo: ${MARKER} two`), 'the output to reach the relay');
      assert.equal(await rcd.ok(['remote', 'logs', url]), await rcd.logs('sealed'), 'the remote client opens exactly what rcd logs shows');
      const view = (await rcd.ok(['url', 'sealed', '--view'])).trim();
      assert.equal(await rcd.ok(['remote', 'logs', view]), await rcd.logs('sealed'), 'so does the view URL');
      const key = url.slice(url.indexOf('#') + 3);
      for (const f of relayFiles(relay.dataDir)) {
        for (const secret of [MARKER, key, view.slice(view.indexOf('#') + 3)]) {
          assert.equal(f.bytes.includes(secret), false, `${f.name} holds ${secret === MARKER ? 'the output' : 'a URL key'} in the clear`);
        }
      }
    });
  });

  it('a claude session with the marker in its name, directory, prompts and approvals leaves none of it at the relay', async () => {
    const api = await startMockMessagesApi();
    try {
      const rcd = claudeRcd('rcd-e2e-claude-', api.url);
      await withRelay(rcd, async (relay) => {
        const name = `cc-${MARKER}`;
        await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir(`dir-${MARKER}`), '--name', name]);
        const url = (await rcd.ok(['url', name])).trim();
        const status = async () => (JSON.parse(await rcd.ok(['remote', 'status', url, '--json'])) as { session: { name: string; cwd: string; pendingApprovals: number } }).session;
        await rcd.ok(['remote', 'send', url, `run: echo ${MARKER}-approved`]);
        await waitFor(async () => (await status()).pendingApprovals === 1, 'the approval to reach the remote client');
        assert.match(await rcd.ok(['remote', 'status', url]), new RegExp(`${name}[\\s\\S]*Bash: echo ${MARKER}-approved`), 'the remote client opens the name and the request');
        assert.match((await status()).cwd, new RegExp(`dir-${MARKER}$`));
        await rcd.ok(['remote', 'approve', url]);
        await waitFor(async () => (await rcd.logs(name)).includes(`tool said: ${MARKER}-approved`), 'the approved tool to run');
        await rcd.ok(['remote', 'send', url, `run: echo ${MARKER}-denied`]);
        await waitFor(async () => (await status()).pendingApprovals === 1, 'the second approval');
        await rcd.ok(['remote', 'deny', url, '--message', `no, ${MARKER}-reason`]);
        await waitFor(async () => (await rcd.logs(name)).includes(`tool failed: no, ${MARKER}-reason`), 'the denial');
        await waitFor(async () => (await rcd.ok(['remote', 'logs', url])) === (await rcd.logs(name)), 'the remote logs to catch up');
        const key = url.slice(url.indexOf('#') + 3);
        await relay.stop(); // its WAL and log as they are when it is gone
        for (const f of relayFiles(relay.dataDir)) {
          for (const secret of [MARKER, key]) assert.equal(f.bytes.includes(secret), false, `${f.name} holds ${secret === MARKER ? 'a marker' : 'the URL key'} in the clear`);
        }
        assert.equal(relay.log.includes(MARKER) || relay.log.includes(key), false, 'nor does its log');
        assert.ok(relay.log.length > 0, 'the relay did log');
      });
    } finally {
      await api.close();
    }
  });

  it('a record altered on the relay, or a readable one it made up, is refused and not shown', async () => {
    const rcd = new Rcd('rcd-e2e-');
    await withRelay(rcd, async (relay) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'sealed', '--', process.execPath, fixture('echo.mjs')]);
      const url = (await rcd.ok(['url', 'sealed'])).trim();
      for (const word of ['alpha', 'bravo', 'charlie']) await rcd.ok(['send', 'sealed', word]);
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])).includes('echo: charlie'), 'the output to reach the relay');
      await relay.stop();
      const db = new Database(join(relay.dataDir, 'relay.db'));
      try {
        const rows = db.prepare('SELECT seq, data FROM events ORDER BY seq').all() as { seq: number; data: string }[];
        const [bravo, charlie] = [rows.at(-2), rows.at(-1)] as [{ seq: number; data: string }, { seq: number; data: string }];
        // One character of bravo's ciphertext changed; charlie replaced by readable output of the relay's own.
        const at = bravo.data.length - 5;
        const flipped = bravo.data.slice(0, at) + (bravo.data[at] === 'A' ? 'B' : 'A') + bravo.data.slice(at + 1);
        db.prepare('UPDATE events SET data = ? WHERE seq = ?').run(flipped, bravo.seq);
        db.prepare("UPDATE events SET kind = 'output', data = ? WHERE seq = ?").run(Buffer.from('echo: forged by the relay\n').toString('base64'), charlie.seq);
      } finally {
        db.close();
      }
      await relay.start();
      const r = await rcd.run(['remote', 'logs', url]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes('echo: alpha'), 'untouched records are shown');
      assert.ok(!r.stdout.includes('bravo') && !r.stdout.includes('forged'), r.stdout);
      assert.equal(r.stderr.match(/did not authenticate/g)?.length, 2, r.stderr);
    });
  });
});

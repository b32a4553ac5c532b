// The relay killed with SIGKILL and restarted several times while the agent writes fast and prompts are sent:
// afterwards the relay holds exactly the agent's output, and every prompt the relay accepted ran exactly once.
// Also: a daemon killed after storing an instruction but before acknowledging it runs it once; sessions removed
// while the relay is away are removed there later, even across a daemon restart; a relay that lost its data gets
// the daemon registered and its sessions pushed again.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Rcd, fixture, isAlive, waitFor } from '../helpers/harness.js';
import { withRelay } from '../helpers/relay.js';
import { apiOf, sealedPrompt } from '../helpers/relay-client.js';

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

describe('relay link under failure', () => {
  it('loses and duplicates nothing while the relay is killed and restarted', async () => {
    const rcd = new Rcd();
    await withRelay(rcd, async (relay) => {
      const cwd = rcd.workdir('w');
      await rcd.ok(['start', '--cwd', cwd, '--name', 'chatty', '--', process.execPath, fixture('chatty.mjs'), '3000', '3']);
      const url = (await rcd.ok(['url', 'chatty'])).trim();
      const accepted: string[] = [];
      const attempted: string[] = [];
      let p = 0;
      for (let round = 0; round < 4; round++) {
        for (let k = 0; k < 3; k++) {
          const text = `prompt-${++p}`;
          attempted.push(text);
          if ((await rcd.run(['remote', 'send', url, text])).code === 0) accepted.push(text);
        }
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300)); // let output flow between kills
        await relay.kill9();
        const down = `prompt-${++p}`;
        attempted.push(down);
        const r = await rcd.run(['remote', 'send', url, down]);
        assert.equal(r.code, 1, 'a send while the relay is down fails');
        assert.match(r.stderr, /cannot reach the relay/);
        await relay.start();
      }
      await rcd.ok(['remote', 'send', url, 'bye']);
      accepted.push('bye');
      await waitFor(async () => (await rcd.session('chatty')).state === 'exited', 'the agent to finish', 60_000);
      const local = await rcd.logs('chatty');
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])) === local, 'the relay to hold exactly the agent output', 30_000);
      for (let i = 1; i <= 3000; i++) assert.equal(occurrences(local, `line ${i}\n`), 1, `line ${i} once`);
      for (const text of accepted) assert.equal(occurrences(local, `echo: ${text}\n`), 1, `${text} ran exactly once`);
      for (const text of attempted) assert.ok(occurrences(local, `echo: ${text}\n`) <= 1, `${text} ran at most once`);
      assert.equal(accepted.length, 13, 'every prompt sent while the relay was up was accepted');
    });
  });

  it('a daemon killed between storing an instruction and acknowledging it runs it once', async () => {
    const rcd = new Rcd();
    await withRelay(rcd, async () => {
      const cwd = rcd.workdir('w');
      const id = (await rcd.ok(['start', '--cwd', cwd, '--name', 'echo', '--', process.execPath, fixture('echo.mjs')])).trim();
      const url = (await rcd.ok(['url', 'echo'])).trim();
      const daemon = rcd.daemonPid() as number;
      process.kill(daemon, 'SIGKILL');
      await waitFor(() => !isAlive(daemon), 'the daemon to die');
      // The relay now holds an unacknowledged prompt (sealed and proved as rcd remote makes one)...
      const sealed = await sealedPrompt(url, rcd.home, id, 'exactly once');
      const api = await apiOf(url);
      const sent = (await (await fetch(`${api}/instructions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sealed) })).json()) as { id: string };
      // ...which the dead daemon had already stored in its inbox, as if killed right before its ack.
      const db = new Database(join(rcd.home, 'rcd.db'));
      const via = createHash('sha256').update(api.split('/').pop() as string).digest('hex'); // the URL it came through
      db.prepare('INSERT INTO inbox (id, session_id, kind, payload, via, received_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sent.id, id, 'sealed', JSON.stringify(sealed), via, new Date().toISOString());
      db.close();
      await rcd.ok(['status']); // the next daemon: runs its inbox, polls, gets the same instruction again, acks it
      await waitFor(async () => (await rcd.logs('echo')).includes('echo: exactly once'), 'the prompt to run');
      await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link');
      await rcd.ok(['remote', 'send', url, 'marker']); // a later prompt: once it ran, the repeat delivery is behind it
      await waitFor(async () => (await rcd.logs('echo')).includes('echo: marker'), 'the marker');
      assert.equal(occurrences(await rcd.logs('echo'), 'echo: exactly once\n'), 1);
    });
  });
});

describe('removals while the relay is away', () => {
  it('a session removed while the relay was down is removed there once it is back, even after a daemon restart; one it never had does not stall the link', async () => {
    const rcd = new Rcd();
    await withRelay(rcd, async (relay) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('keep'), '--name', 'keep', '--', process.execPath, fixture('echo.mjs')]);
      await rcd.ok(['start', '--cwd', rcd.workdir('secret'), '--name', 'secret', '--', process.execPath, fixture('echo.mjs')]);
      const keepUrl = (await rcd.ok(['url', 'keep'])).trim();
      const secretUrl = (await rcd.ok(['url', 'secret'])).trim();
      await waitFor(async () => (await rcd.ok(['remote', 'logs', secretUrl])).includes('ready'), 'the output to reach the relay');

      await relay.stop();
      // A session the relay never hears of, and one it holds, are both removed while it is away...
      await rcd.ok(['start', '--cwd', rcd.workdir('brief'), '--name', 'brief', '--', process.execPath, fixture('exit-with.mjs'), '0']);
      await waitFor(async () => (await rcd.session('brief')).state === 'exited', 'brief to end');
      await rcd.ok(['rm', 'brief']);
      await rcd.ok(['stop', 'secret']);
      await rcd.ok(['rm', 'secret']);
      // ...and the daemon that knew it went away before the relay came back.
      await rcd.ok(['shutdown']);
      await relay.start();

      await rcd.ok(['status']); // a new daemon
      await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link');
      await waitFor(async () => (await rcd.run(['remote', 'logs', secretUrl])).code === 1, 'the removed session to be gone from the relay');
      const gone = await rcd.run(['remote', 'logs', secretUrl]);
      assert.doesNotMatch(gone.stdout, /ready/, 'its output is no longer served');
      // The link is not stuck on the session the relay never had: prompts still flow.
      await rcd.ok(['remote', 'send', keepUrl, 'still linked']);
      await waitFor(async () => (await rcd.logs('keep')).includes('echo: still linked'), 'the prompt through the relay');
      assert.equal((await rcd.status()).daemon.link.state, 'connected');
    });
  });
});

describe('a relay that lost its data', () => {
  it('the daemon registers again, pushes its sessions and the same URL works again', async () => {
    const rcd = new Rcd();
    await withRelay(rcd, async (relay) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'echo', '--', process.execPath, fixture('echo.mjs')]);
      const url = (await rcd.ok(['url', 'echo'])).trim();
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])).includes('ready'), 'the output to reach the relay');
      const identity = () => {
        const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
        try {
          return db.prepare('SELECT daemon_id AS id FROM link_identity').get() as { id: string } | undefined;
        } finally {
          db.close();
        }
      };
      const before = identity()?.id;

      await relay.stop();
      await relay.wipe(); // its database, credentials and sessions: gone
      await relay.start();

      // The relay answers 401 to the old credential; the daemon registers once more and pushes everything again.
      await waitFor(async () => (await rcd.run(['remote', 'logs', url])).stdout.includes('ready'), 'the same URL to work again', 60_000);
      await rcd.ok(['remote', 'send', url, 'after the reset']);
      await waitFor(async () => (await rcd.logs('echo')).includes('echo: after the reset'), 'the prompt through the new registration');
      const after = identity()?.id;
      assert.ok(before && after && after !== before, 'a new daemon identity, stored once it worked');
      assert.equal((await rcd.status()).daemon.link.state, 'connected');
    });
  });
});

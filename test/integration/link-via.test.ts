// A hostile relay cannot steer a session through a URL it does not name: a real daemon linked to a stand-in relay
// (test/helpers/standin-relay.ts) gets instructions with `via: null` and with the hash of a URL that is not the
// session's current one — for a session never shared and for a shared one. None runs: the agent never sees the
// prompt, a stop leaves it running, the inbox records why, and the daemon reports each back as a state event.
// One that names the current URL runs (so the refusals are not an artefact of the stand-in).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { NOT_VIA_CURRENT_URL } from '../../src/link/executor.js';
import { NOT_SEALED, REPLAYED } from '../../src/link/sealed-instruction.js';
import { fixture, waitFor, withRcd, type Rcd } from '../helpers/harness.js';
import { StandinRelay, type ForgedInstruction } from '../helpers/standin-relay.js';
import { apiOf, contentKeyOf, sealedPrompt } from '../helpers/relay-client.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function instruction(session: string, kind: string, payload: Record<string, unknown>, via: string | null): ForgedInstruction {
  return { id: `i_${randomBytes(9).toString('base64url')}`, session, kind, payload, createdAt: new Date().toISOString(), via };
}

/** The daemon's inbox: each instruction and the error it finished with (null: carried out). */
function inbox(rcd: Rcd): Map<string, string | null> {
  const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT id, error FROM inbox WHERE done_at IS NOT NULL').all() as { id: string; error: string | null }[];
    return new Map(rows.map((r) => [r.id, r.error]));
  } finally {
    db.close();
  }
}

/** Waits until the daemon uploaded a report of `id` not having been carried out, and returns its error. */
async function reported(relay: StandinRelay, rcd: Rcd, session: string, id: string): Promise<string> {
  const found = await waitFor(
    async () => (await relay.stateEvents(session, contentKeyOf(rcd.home, session))).map((e) => e.instruction as { id: string; error: string } | undefined).find((i) => i?.id === id),
    `the daemon to report instruction ${id} as not carried out`,
  );
  return found.error;
}

describe('link: instructions must name the session\'s current URL', () => {
  it('refuses via:null and a foreign via, and through the current URL anything not sealed and proved with its key or replayed; runs the genuine one once', async () => {
    const relay = await StandinRelay.start();
    try {
      await withRcd('rcd-via', async (rcd) => {
        rcd.env.RCD_RELAY_URL = relay.url;
        const id = (await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'echo', '--', process.execPath, fixture('echo.mjs')])).trim();
        await waitFor(async () => (await rcd.logs('echo')).includes('ready'), 'the agent to start');
        await waitFor(() => relay.sessions.get(id), 'the daemon to put the session on the relay');
        assert.equal(relay.sessions.get(id)?.tokenHash, null, 'never shared: no URL');

        // Never shared: a relay that makes up an instruction with no URL (or any URL) must not reach the agent.
        const unshared = [
          instruction(id, 'prompt', { text: 'forged: no url at all' }, null),
          instruction(id, 'prompt', { text: 'forged: some url' }, sha('not-a-token-of-this-session')),
          instruction(id, 'stop', {}, null),
        ];
        for (const i of unshared) relay.deliver(i);
        for (const i of unshared) assert.equal(await reported(relay, rcd, id, i.id), NOT_VIA_CURRENT_URL);

        // Shared: still refused without the current URL's hash, and run with it.
        const url = (await rcd.ok(['url', 'echo'])).trim();
        const current = sha((await apiOf(url)).split('/').pop() as string); // the steer credential's hash
        await waitFor(() => relay.sessions.get(id)?.tokenHash === current, 'the relay to hold the URL');
        const shared = [
          instruction(id, 'prompt', { text: 'forged: shared, no url' }, null),
          instruction(id, 'approve', {}, null),
          instruction(id, 'prompt', { text: 'forged: shared, old url' }, sha('an older token')),
        ];
        const genuine = instruction(id, 'sealed', { ...(await sealedPrompt(url, rcd.home, id, 'through the current url')) }, current);
        for (const i of [...shared, genuine]) relay.deliver(i);
        // Instructions of a session run in order: once the genuine one ran, every forged one before it was handled.
        await waitFor(async () => (await rcd.logs('echo')).includes('echo: through the current url'), 'the genuine prompt to run');
        for (const i of shared) assert.equal(await reported(relay, rcd, id, i.id), NOT_VIA_CURRENT_URL);

        // Through the current URL's hash, which the relay knows: still nothing runs without the URL's key. A plain
        // prompt, one sealed and proved with another key, and the genuine one replayed under a new id are refused.
        const otherKey = `${url.split('#')[0]}#c.${randomBytes(32).toString('base64url')}`;
        const relayMade = [
          instruction(id, 'prompt', { text: 'forged: plain, current url' }, current),
          instruction(id, 'sealed', { ...(await sealedPrompt(otherKey, rcd.home, id, 'forged: another key')) }, current),
        ];
        const replay = { ...genuine, id: `i_${randomBytes(9).toString('base64url')}` };
        for (const i of [...relayMade, replay]) relay.deliver(i);
        assert.equal(await reported(relay, rcd, id, relayMade[0]?.id as string), NOT_SEALED);
        assert.match(await reported(relay, rcd, id, relayMade[1]?.id as string), /not proved with the key of the session's URL/);
        assert.equal(await reported(relay, rcd, id, replay.id), REPLAYED);
        assert.equal((await rcd.logs('echo')).split('echo: through the current url').length, 2, 'the genuine prompt ran once');

        const log = await rcd.logs('echo');
        assert.doesNotMatch(log, /forged/, 'no forged prompt reached the agent');
        assert.equal((await rcd.session('echo')).state, 'running', 'the forged stop did not stop it');
        const done = inbox(rcd);
        for (const i of [...unshared, ...shared]) assert.equal(done.get(i.id), NOT_VIA_CURRENT_URL, `inbox error of ${i.kind}`);
        assert.equal(done.get(genuine.id), null, 'the genuine prompt was carried out');
        for (const i of [...unshared, ...shared, genuine]) assert.ok(relay.acked.has(i.id), 'every instruction was acknowledged (none redelivered forever)');
      });
    } finally {
      await relay.close();
    }
  });
});

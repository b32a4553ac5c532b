// The daemon's link against a relay over its cap of held long-polls: every poll is refused (503 with retry-after),
// and the link retries the poll alone after retry-after plus jitter. Uploads go on, no session is PUT again (the
// link does not reconnect), the refusals are counted in `rcd status --json` (daemon.link.pollsRefused) and the
// daemon's log has one summary line for them, not one per refusal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, waitFor, withRcd } from '../helpers/harness.js';
import { StandinRelay } from '../helpers/standin-relay.js';

describe('link: a relay that refuses polls as busy', () => {
  it('retries the poll alone after retry-after: uploads go on, no session is PUT again, the refusals are counted', async () => {
    const relay = await StandinRelay.start();
    relay.refusePolls = 1;
    try {
      await withRcd('rcd-busy', async (rcd) => {
        rcd.env.RCD_RELAY_URL = relay.url;
        // A line every 50 ms, for long enough to outlast the test.
        const id = (await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'chatty', '--', process.execPath, fixture('chatty.mjs'), '100000', '50'])).trim();
        await waitFor(() => (relay.events.get(id)?.length ?? 0) > 0 && relay.pollsRefused >= 1, 'the session on the relay and a refused poll');
        await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to be connected');
        const puts = relay.puts.get(id) ?? 0;
        const [events, uploads, refused] = [relay.events.get(id)?.length ?? 0, relay.uploads, relay.pollsRefused];
        // Three more refusals (each retried after 1 s + up to 1 s of jitter) while output keeps going up.
        await waitFor(() => relay.pollsRefused >= refused + 3, 'three more refused polls', 20_000);
        assert.ok(relay.uploads > uploads && (relay.events.get(id)?.length ?? 0) > events, 'uploads went on between refused polls');
        assert.equal(relay.puts.get(id) ?? 0, puts, 'no session was PUT again: the link did not reconnect');
        const link = (await rcd.status()).daemon.link as { state: string; reconnects: number; pollsRefused?: number };
        assert.equal(link.state, 'connected');
        assert.equal(link.reconnects, 0);
        assert.ok((link.pollsRefused ?? 0) >= refused + 3, `pollsRefused ${link.pollsRefused} counts the refusals`);
        // Spaced by retry-after, not hammered: at most one refusal per second (plus the first).
        const log = readFileSync(join(rcd.home, 'logs', 'daemon.log'), 'utf8');
        assert.equal(log.split('\n').filter((l) => l.includes('relay busy')).length, 1, 'one summary line in the log, not one per refusal');
        assert.equal(log.split('\n').filter((l) => l.includes('relay link down')).length, 0, 'the link never went down');

        // Once the relay takes polls again, the same link polls as before.
        relay.refusePolls = null;
        await waitFor(() => relay.polls > relay.pollsRefused, 'a poll the relay takes', 10_000);
      });
    } finally {
      await relay.close();
    }
  });
});

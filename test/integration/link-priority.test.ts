// The link sends a session's access changes (a URL issued or revoked) ahead of a backlog of output: `rcd url` waits
// for the relay to confirm (5 s at most), and a chatty session's backlog can take far longer than that to go up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor, withRcd } from '../helpers/harness.js';
import { StandinRelay } from '../helpers/standin-relay.js';

// ~6 MB of output: ~90 chunks of 64 KiB, ~16 upload batches; at 500 ms each, ~8 s to go up.
const BACKLOG = ['sh', '-c', 'head -c 6000000 /dev/zero | tr "\\000" x; exec sleep 1000'];

describe('link: access changes ahead of a backlog', () => {
  it('confirms a URL issued while a long backlog is going up, without waiting for the backlog', async () => {
    const relay = await StandinRelay.start();
    relay.uploadDelayMs = 500;
    try {
      await withRcd('rcd-prio', async (rcd) => {
        rcd.env.RCD_RELAY_URL = relay.url;
        const id = (await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'big', '--', ...BACKLOG])).trim();
        await waitFor(() => relay.uploads >= 2, 'the backlog to start going up', 20_000);
        const url = await rcd.run(['url', 'big']);
        assert.equal(url.code, 0, url.stderr);
        assert.match(url.stdout, /^https?:\/\/\S+#\S+$/m, 'the URL is printed');
        assert.ok(relay.sessions.get(id)?.tokenHash, 'the relay holds the URL');
        // 6 MB in chunks of at most 64 KiB: at least 92 events; the URL did not wait for most of them.
        const held = relay.events.get(id)?.length ?? 0;
        assert.ok(held < 60, `the URL went up ahead of the backlog (the relay held ${held} events then)`);
        await waitFor(() => (relay.events.get(id)?.length ?? 0) >= 92, 'the rest of the backlog to go up', 60_000);
      });
    } finally {
      await relay.close();
    }
  });
});

// Content-key epochs through a real daemon and relay: `rcd url --rotate` begins a new content key. The envelope the
// relay held for the old URL opens epoch 1 only, so what the session prints after the rotation (epoch 2), and its
// view as sealed since, stay closed to the old URL's key even with the relay's help; the new URL reads the history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unwrapKeys } from '../../src/e2e/envelope.js';
import { controlKeys } from '../../src/e2e/keys.js';
import { EventOpener, SESSION_URL_ENVELOPE } from '../../src/e2e/records.js';
import { OpenFailed } from '../../src/e2e/seal.js';
import { openSessionView } from '../../src/e2e/session-view.js';
import { parseSessionUrl } from '../../src/e2e/url.js';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { withRelay } from '../helpers/relay.js';
import { apiOf, readEvents } from '../helpers/relay-client.js';

interface RelayEvent { seq: number; kind: string; data: string }

/** What the relay serves to a URL: the envelope it holds for it, the session's sealed view and its events (sealed). */
async function served(url: string): Promise<{ envelope: string; view: string; events: RelayEvent[] }> {
  const api = await apiOf(url);
  const { envelope, session } = (await (await fetch(api)).json()) as { envelope: string | null; session: { sealed: string } };
  assert.ok(envelope, 'the relay hands out the envelope of a working URL');
  const { events } = (await (await fetch(`${api}/events?after=0`)).json()) as { events: RelayEvent[] };
  return { envelope, view: session.sealed, events };
}

const epochOf = (e: Pick<RelayEvent, 'data'>) => Number(e.data.slice(0, e.data.indexOf('.')));

describe('content-key epochs at rotation', () => {
  it('after rcd url --rotate the old URL\'s envelope opens nothing new, the new URL opens everything', async () => {
    const rcd = new Rcd('rcd-epochs-');
    await withRelay(rcd, async () => {
      await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'epochs', '--', process.execPath, fixture('echo.mjs')]);
      const oldUrl = (await rcd.ok(['url', 'epochs'])).trim();
      const u = parseSessionUrl(oldUrl);
      await rcd.ok(['send', 'epochs', 'before rotation']);
      await waitFor(async () => (await readEvents(oldUrl)).some((e) => e.text.includes('echo: before rotation')), 'the first output to reach the relay');
      const old = await served(oldUrl); // what the relay held for the old URL: keep it, as a relay could

      const newUrl = (await rcd.ok(['url', 'epochs', '--rotate'])).trim();
      await rcd.ok(['remote', 'send', newUrl, 'after rotation']); // sealed by the client with the new epoch
      await waitFor(async () => (await readEvents(newUrl)).some((e) => e.text.includes('echo: after rotation')), 'the new output to reach the relay');

      const oldKeys = await unwrapKeys((await controlKeys(u.secret)).wrapKey, old.envelope, u.sessionId, SESSION_URL_ENVELOPE);
      assert.deepEqual(oldKeys.map((k) => k.epoch), [1], 'the old envelope holds epoch 1 only');
      const oldOpener = await EventOpener.forUrl(u, old.envelope);
      const now = await served(newUrl);
      const newOpener = await EventOpener.forUrl(parseSessionUrl(newUrl), now.envelope);
      assert.equal(newOpener.newest().epoch, 2);

      const text = (opened: { data: Uint8Array }) => Buffer.from(opened.data).toString('utf8');
      const after: RelayEvent[] = [];
      for (const e of now.events) {
        const plain = text(await newOpener.read(e)); // the new URL opens every event, before and after
        if (plain.includes('after rotation')) after.push(e);
        if (epochOf(e) === 1) {
          assert.equal(text(await oldOpener.read(e)), plain, 'epoch 1 opens with the old envelope too');
        } else {
          assert.equal(epochOf(e), 2, `event ${e.seq}`);
          await assert.rejects(oldOpener.read(e), OpenFailed, `event ${e.seq}, sealed after the rotation, opens with the old URL's keys`);
        }
      }
      assert.ok(after.length > 0, 'the output after the rotation is among the events');
      assert.deepEqual(after.map(epochOf), after.map(() => 2), 'what the session did after the rotation is sealed with epoch 2');
      assert.ok(now.events.some((e) => epochOf(e) === 1), 'the history before it stays epoch 1');
      assert.equal(await rcd.ok(['remote', 'logs', newUrl]), await rcd.logs('epochs'), 'the new URL reads the whole history');

      assert.equal((await openSessionView(oldOpener, u.sessionId, old.view))?.name, 'epochs', 'the view before the rotation');
      assert.equal(epochOf({ data: now.view }), 2, 'the view is sealed with the new epoch since the rotation');
      assert.equal((await openSessionView(newOpener, u.sessionId, now.view))?.name, 'epochs');
      await assert.rejects(openSessionView(oldOpener, u.sessionId, now.view), OpenFailed, 'the view since does not open with the old URL\'s keys');
    });
  });
});

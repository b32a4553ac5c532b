// What a remote sender acted on must be what the daemon has (issue 12 review): a view forged on the relay by someone
// who holds a content key (a view URL's holder, or one replaced since) could show the control holder a harmless
// request in place of the real one, or another session's name. The daemon refuses an answer whose `seen` digest is
// not the pending request's text, and an instruction whose `name` is not the session's, runs nothing, and reports it.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sealInstruction, shownDigest, type InstructionBody } from '../../src/e2e/instructions.js';
import { EventOpener } from '../../src/e2e/records.js';
import { parseSessionUrl } from '../../src/e2e/url.js';
import { RemoteStatusResponse } from '../../src/protocol/relay.js';
import { waitFor } from '../helpers/harness.js';
import { apiOf, readEvents } from '../helpers/relay-client.js';
import { useClaudeRelay } from '../helpers/claude-relay.js';

describe('remote answers are checked against what the sender was shown', () => {
  const env = useClaudeRelay('rcd-shown-');
  let url = '';
  before(async () => {
    await env.rcd.ok(['start', '--agent', 'claude', '--cwd', env.rcd.workdir('w'), '--name', 'real']);
    url = (await env.rcd.ok(['url', 'real'])).trim();
  });

  /** Seals and posts `body` as a control-URL holder would; returns the relay's id for it. */
  async function post(body: InstructionBody): Promise<string> {
    const base = await apiOf(url);
    const status = RemoteStatusResponse.parse(await (await fetch(base)).json());
    const keys = await EventOpener.forUrl(parseSessionUrl(url), status.envelope as string);
    const u = parseSessionUrl(url);
    const res = await fetch(`${base}/instructions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(await sealInstruction(u.secret, keys, u.sessionId, body)),
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { id: string }).id;
  }
  const refusal = (id: string) => waitFor(async () => (await readEvents(url))
    .filter((e) => e.kind === 'state')
    .map((e) => (JSON.parse(e.text) as { instruction?: { id: string; error: string } }).instruction)
    .find((i) => i?.id === id), `the refusal of ${id}`);
  const pending = async () => JSON.parse(await env.rcd.ok(['approvals', 'real', '--json'])) as { id: string; state: string }[];

  it('an approval whose shown text is not the pending request\'s is refused; the request stays pending', async () => {
    await env.rcd.ok(['remote', 'send', url, 'run: echo the-real-command']);
    const [req] = await waitFor(async () => { const p = await pending(); return p.length ? p : null; }, 'the request');
    const id = await post({ kind: 'approve', request: req?.id, seen: await shownDigest('Bash: ls') });
    assert.match((await refusal(id)).error, /the request its sender was shown is not the one pending here/);
    assert.deepEqual((await pending()).map((a) => a.state), ['pending']);
    // The genuine answer, with what rcd remote shows, goes through.
    await env.rcd.ok(['remote', 'approve', url]);
    await waitFor(async () => (await env.rcd.logs('real')).includes('tool said: the-real-command'), 'the approved command');
  });

  it('an instruction for a session of another name (as its sender saw it) is refused and reaches nothing', async () => {
    const id = await post({ kind: 'prompt', text: 'meant for prod', name: 'prod' });
    assert.match((await refusal(id)).error, /sent to a session named prod as its sender saw it, but this session is real/);
    assert.ok(!(await env.rcd.logs('real')).includes('meant for prod'));
    await post({ kind: 'prompt', text: 'meant for real', name: 'real' });
    await waitFor(async () => (await env.rcd.logs('real')).includes('echo: meant for real'), 'the prompt with the right name');
  });
});

// Remote control of a claude session through a real `rcd relay` on 127.0.0.1: a prompt, an approval answered
// with `rcd remote approve` (recorded as remote), a denial, and `rcd remote logs` showing what `rcd logs` shows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Rcd } from '../helpers/harness.js';
import { RelayProcess } from '../helpers/relay.js';
import { readEvents } from '../helpers/relay-client.js';
import { claudeRcd } from '../helpers/claude.js';
import { startMockMessagesApi, type MockMessagesApi } from '../helpers/mock-messages-api.js';

describe('claude session through the relay', () => {
  let rcd: Rcd;
  let relay: RelayProcess | undefined;
  let api: MockMessagesApi | undefined;
  let url = '';

  before(async () => {
    api = await startMockMessagesApi();
    rcd = claudeRcd('rcd-claude-remote-', api.url);
    relay = await RelayProcess.start(rcd.home, rcd.env);
    rcd.env.RCD_RELAY_URL = relay.url;
    await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir('w'), '--name', 'cc']);
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to connect');
    url = (await rcd.ok(['url', 'cc'])).trim();
  });
  after(async () => {
    try {
      await relay?.stop();
      assert.deepEqual(await rcd.teardown(), []);
    } finally {
      await api?.close(); // or this file's process never exits
    }
  });

  const remoteStatus = async () =>
    (JSON.parse(await rcd.ok(['remote', 'status', url, '--json'])) as { session: { agent: string; pendingApprovals: number } }).session;

  it('a remote prompt becomes a user message; remote logs render like local logs', async () => {
    await rcd.ok(['remote', 'send', url, 'hi from the phone']);
    await waitFor(async () => (await rcd.logs('cc')).includes('echo: hi from the phone'), 'the reply');
    await waitFor(async () => (await rcd.ok(['remote', 'logs', url])) === (await rcd.logs('cc')), 'remote logs to match local logs');
    assert.equal((await remoteStatus()).agent, 'claude');
    await waitFor(async () => (await rcd.ok(['remote', 'logs', url, '--json'])) === (await rcd.ok(['logs', 'cc', '--json'])), 'raw remote logs to match');
  });

  it('the relay sees the pending approval, `rcd remote approve` answers it and it is recorded as remote', async () => {
    await rcd.ok(['remote', 'send', url, 'run: echo from-afar']);
    await waitFor(async () => (await remoteStatus()).pendingApprovals === 1, 'the relay to count the pending approval');
    const shown = await rcd.ok(['remote', 'status', url]);
    assert.match(shown, /waiting for approval[\s\S]*Bash\s+\S+\n {4}Bash: echo from-afar\n/, 'what waits is shown, not just a count');
    const typo = await rcd.run(['remote', 'approve', url, 'zzzz']);
    assert.equal(typo.code, 1, 'a request id that matches nothing is refused at once');
    assert.match(typo.stderr, /no pending approval starts with zzzz; pending: [0-9a-f]{8} \(Bash: echo from-afar\)/);
    const said = await rcd.ok(['remote', 'approve', url]);
    assert.match(said, /^approval of [0-9a-f]{8} sent; .*:\n {4}Bash: echo from-afar\n/, 'it says which request it answered');
    await waitFor(async () => (await rcd.logs('cc')).includes('tool said: from-afar'), 'the tool to run');
    const list = JSON.parse(await rcd.ok(['approvals', 'cc', '--all', '--json'])) as { state: string; decidedBy: string }[];
    assert.deepEqual(list.map((a) => [a.state, a.decidedBy]), [['allowed', 'remote']]);
    await waitFor(async () => (await remoteStatus()).pendingApprovals === 0, 'the relay to see it answered');
  });

  it('`rcd remote deny --message` reaches the agent with the message', async () => {
    await rcd.ok(['remote', 'send', url, 'run: rm -rf /definitely-not']);
    await waitFor(async () => (await remoteStatus()).pendingApprovals === 1, 'the pending approval');
    await rcd.ok(['remote', 'deny', url, '--message', 'not from the bus']);
    await waitFor(async () => (await rcd.logs('cc')).includes('tool failed: not from the bus'), 'the denial');
    const list = JSON.parse(await rcd.ok(['approvals', 'cc', '--all', '--json'])) as { state: string; decidedBy: string; message: string }[];
    assert.deepEqual(list.at(-1), { ...list.at(-1), state: 'denied', decidedBy: 'remote', message: 'not from the bus' });
  });

  it('an instruction the daemon could not carry out is reported in the session\'s events', async () => {
    await rcd.ok(['stop', 'cc']);
    await rcd.ok(['remote', 'send', url, 'too late']); // the relay stores it; the daemon finds nothing running
    const reported = await waitFor(async () => {
      return (await readEvents(url))
        .filter((e) => e.kind === 'state')
        .map((e) => JSON.parse(e.text) as { instruction?: { kind: string; error: string } })
        .find((d) => d.instruction?.kind === 'prompt');
    }, 'the failure to reach the relay');
    assert.match(reported.instruction?.error ?? '', /stopped, so nothing is reading its input/);
    assert.ok(!(await rcd.logs('cc')).includes('too late'), 'nothing reached Claude Code');
  });
});

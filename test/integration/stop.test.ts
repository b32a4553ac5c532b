// `rcd stop` ends the agent and everything it started, gracefully first, forcibly after the grace period.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, isAlive, waitFor } from '../helpers/harness.js';

describe('stop', () => {
  let rcd: Rcd;
  const dir = (name: string) => rcd.workdir(name);
  before(() => {
    rcd = new Rcd();
    rcd.writeConfig({ stopGraceMs: 500 });
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), []);
  });

  it('reaches children in the group and children that left it with setsid', async () => {
    await rcd.ok(['start', '--cwd', dir('tree'), '--name', 'tree', '--', process.execPath, fixture('spawn-tree.mjs')]);
    const line = await waitFor(async () => /children (\d+) (\d+)/.exec(await rcd.logs('tree')), 'the children to be reported');
    const kids = [Number(line[1]), Number(line[2])];
    const agent = (await rcd.session('tree')).pid as number;
    for (const pid of [agent, ...kids]) assert.ok(isAlive(pid));
    await rcd.ok(['stop', 'tree']);
    for (const pid of [agent, ...kids]) assert.ok(!isAlive(pid), `pid ${pid} must be gone when stop returns`);
    const s = await rcd.session('tree');
    assert.equal(s.state, 'stopped');
    assert.equal(s.signal, 'SIGTERM');
  });

  it('kills an agent that ignores SIGTERM once the grace period is over', async () => {
    await rcd.ok(['start', '--cwd', dir('stubborn'), '--name', 'stubborn', '--', process.execPath, fixture('ignore-sigterm.mjs')]);
    await waitFor(async () => (await rcd.logs('stubborn')).includes('ready'), 'the agent to install its handler');
    const pid = (await rcd.session('stubborn')).pid as number;
    const t0 = Date.now();
    await rcd.ok(['stop', 'stubborn']);
    assert.ok(Date.now() - t0 >= 500, 'it waited out the grace period');
    assert.ok(!isAlive(pid));
    const s = await rcd.session('stubborn');
    assert.equal(s.state, 'stopped');
    assert.equal(s.signal, 'SIGKILL');
    assert.match(await rcd.logs('stubborn'), /ignoring SIGTERM/);
  });

  it('on a session that is not running changes nothing and exits 0', async () => {
    const r = await rcd.run(['stop', 'tree']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /was not running/);
    assert.equal((await rcd.session('tree')).state, 'stopped');
  });

  it('two stops at once both return after the agent is gone', async () => {
    await rcd.ok(['start', '--cwd', dir('twice'), '--name', 'twice', '--', process.execPath, fixture('forever.mjs')]);
    const pid = (await rcd.session('twice')).pid as number;
    // Whether the agent is gone is looked at the moment each stop returns, not after both have.
    const stop = () => rcd.run(['stop', 'twice']).then((r) => ({ code: r.code, agentAlive: isAlive(pid) }));
    const [a, b] = await Promise.all([stop(), stop()]);
    assert.deepEqual(a, { code: 0, agentAlive: false });
    assert.deepEqual(b, { code: 0, agentAlive: false });
  });
});

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
  it('also ends what the agent starts while it is being stopped (a shutdown hook)', async () => {
    await rcd.ok(['start', '--cwd', dir('hook'), '--name', 'hook', '--', process.execPath, fixture('leaves-a-child.mjs')]);
    await waitFor(async () => (await rcd.logs('hook')).includes('ready'), 'the agent to be ready');
    await rcd.ok(['stop', 'hook']);
    const child = Number(/left (\d+)/.exec(await rcd.logs('hook'))?.[1]);
    assert.ok(child > 1, 'the agent started its child on the way out');
    assert.equal(isAlive(child), false, 'the child started during the stop was stopped too');
  });

  describe('requests that arrive while a run is being spawned', () => {
    // The daemon these tests start spawns slowly (fault injection), so a request surely lands mid-spawn.
    const slow = { RCD_FAULT: 'slow-spawn' };

    it('a stop while the session is starting returns, and the session stays stopped', async () => {
      const own = new Rcd();
      try {
        await own.ok(['status'], { env: slow }); // the daemon, with the fault
        const starting = own.run(['start', '--cwd', own.workdir('w'), '--name', 's', '--', process.execPath, fixture('forever.mjs')], { timeoutMs: 30_000 });
        await waitFor(async () => (await own.status()).sessions.some((x) => x.name === 's' && x.state === 'starting'), 'the session to be starting');
        const stopped = await own.run(['stop', 's'], { timeoutMs: 30_000 });
        assert.equal(stopped.code, 0, stopped.stderr);
        await starting;
        const s = await own.session('s');
        assert.deepEqual([s.state, s.pid], ['stopped', null]);
        assert.deepEqual(own.leftovers().filter((p) => p !== own.daemonPid()), [], 'no agent left running');
      } finally {
        assert.deepEqual(await own.teardown(), []);
      }
    });

    it('a stop while the restart policy is respawning it stops it for good', async () => {
      const own = new Rcd();
      own.writeConfig({ restartBackoffMs: 50 });
      try {
        await own.ok(['status'], { env: slow });
        await own.ok(['start', '--cwd', own.workdir('w'), '--name', 'r', '--restart', 'always', '--', process.execPath, fixture('exit-with.mjs'), '0']);
        await waitFor(async () => (await own.session('r')).state === 'restarting', 'a respawn');
        assert.equal((await own.run(['stop', 'r'], { timeoutMs: 30_000 })).code, 0);
        const s = await own.session('r');
        assert.equal(s.state, 'stopped');
        const at = Date.now();
        await waitFor(() => Date.now() > at + 2_000, 'the spawn and any backoff to be over'); // time passing is the point
        const later = await own.session('r');
        assert.deepEqual([later.state, later.pid, later.restarts], ['stopped', null, s.restarts]);
      } finally {
        assert.deepEqual(await own.teardown(), []);
      }
    });
  });
});

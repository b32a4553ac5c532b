// Agents outlive the daemon: a shutdown (or a kill -9) leaves them running, the next daemon re-adopts them with
// the same pid, output written meanwhile is kept, and an exit that happened while no daemon ran is recorded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, isAlive, waitFor } from '../helpers/harness.js';

describe('daemon restart', () => {
  let rcd: Rcd;
  const dir = (name: string) => rcd.workdir(name);
  before(() => {
    rcd = new Rcd();
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), []);
  });

  it('a shutdown leaves the agent running and the next daemon re-adopts it', async () => {
    await rcd.ok(['start', '--cwd', dir('echo'), '--name', 'echo', '--', process.execPath, fixture('echo.mjs')]);
    const before = await rcd.session('echo');
    const daemon = rcd.daemonPid() as number;
    await rcd.ok(['shutdown']);
    assert.ok(!isAlive(daemon));
    assert.ok(isAlive(before.pid as number), 'the agent outlives the daemon');

    const after = await rcd.session('echo'); // starts a new daemon
    assert.notEqual(rcd.daemonPid(), daemon);
    assert.equal(after.state, 'running');
    assert.equal(after.pid, before.pid, 'same agent process, re-adopted');
    await rcd.ok(['send', 'echo', 'still here']);
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: still here'), 'the echo');
    assert.equal(await rcd.logs('echo'), 'ready\necho: still here\n');
  });

  it('output written while no daemon ran is kept, once, in order; an exit meanwhile is recorded', async () => {
    const pid = (await rcd.session('echo')).pid as number;
    const daemon = rcd.daemonPid() as number;
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !isAlive(daemon), 'the daemon to die');
    // Nothing reads the FIFO's writer side now, but the agent still runs and can be killed: its exit must be seen.
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isAlive(pid), 'the agent to end');
    const s = await waitFor(async () => {
      const x = await rcd.session('echo');
      return x.state === 'exited' ? x : null;
    }, 'the exit to be recorded by the next daemon');
    assert.equal(s.signal, 'SIGTERM');
    assert.equal(await rcd.logs('echo'), 'ready\necho: still here\n');
  });

  it('a stop works on a re-adopted agent', async () => {
    await rcd.ok(['start', '--cwd', dir('tree'), '--name', 'tree', '--', process.execPath, fixture('spawn-tree.mjs')]);
    const line = await waitFor(async () => /children (\d+) (\d+)/.exec(await rcd.logs('tree')), 'the children');
    const pid = (await rcd.session('tree')).pid as number;
    await rcd.ok(['shutdown']);
    await rcd.ok(['stop', 'tree']);
    for (const p of [pid, Number(line[1]), Number(line[2])]) assert.ok(!isAlive(p), `pid ${p} is gone`);
    assert.equal((await rcd.session('tree')).state, 'stopped');
  });
});

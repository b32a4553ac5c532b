// Restart policies: no, on-failure, always; backoff; and the start limit that turns a crash loop into `failed`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, isAlive, waitFor } from '../helpers/harness.js';

describe('restart policy', () => {
  let rcd: Rcd;
  const dir = (name: string) => rcd.workdir(name);
  before(() => {
    rcd = new Rcd();
    rcd.writeConfig({ restartBackoffMs: 50 }); // the shape of the backoff, at test speed
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), []);
  });

  it('no: an agent that fails stays exited', async () => {
    await rcd.ok(['start', '--cwd', dir('no'), '--name', 'no', '--restart', 'no', '--', process.execPath, fixture('exit-with.mjs'), '1']);
    const s = await waitFor(async () => {
      const x = await rcd.session('no');
      return x.state === 'exited' ? x : null;
    }, 'exit');
    assert.equal(s.restarts, 0);
    assert.equal(s.exitCode, 1);
  });

  it('on-failure: a clean exit is not restarted', async () => {
    await rcd.ok(['start', '--cwd', dir('clean'), '--name', 'clean', '--restart', 'on-failure', '--', process.execPath, fixture('exit-with.mjs'), '0']);
    const s = await waitFor(async () => {
      const x = await rcd.session('clean');
      return x.state === 'exited' ? x : null;
    }, 'exit');
    assert.equal(s.restarts, 0);
    assert.equal(s.exitCode, 0);
  });

  it('on-failure: a crash loop is restarted with backoff, then failed at the start limit with the reason', async () => {
    await rcd.ok(['start', '--cwd', dir('crash'), '--name', 'crash', '--restart', 'on-failure', '--', process.execPath, fixture('exit-with.mjs'), '7']);
    const s = await waitFor(async () => {
      const x = await rcd.session('crash');
      return x.state === 'failed' ? x : null;
    }, 'the start limit', 20_000);
    assert.equal(s.restarts, 5, 'five restarts, then it gives up');
    assert.match(s.reason ?? '', /restarted 5 times within 60 s.*exit code 7.*giving up/);
    const runs = (await rcd.logs('crash')).match(/exiting with 7/g) ?? [];
    assert.equal(runs.length, 6, 'the first run and five restarts each wrote their output');
  });

  it('always: a clean exit is restarted too, and stop during the backoff stops it', async () => {
    await rcd.ok(['start', '--cwd', dir('always'), '--name', 'always', '--restart', 'always', '--', process.execPath, fixture('exit-with.mjs'), '0', '100']);
    await waitFor(async () => (await rcd.session('always')).restarts >= 1, 'a restart');
    await rcd.ok(['stop', 'always']);
    assert.equal((await rcd.session('always')).state, 'stopped');
  });

  it('stop during a restart backoff stops it for good: no timer left behind restarts it', async () => {
    const own = new Rcd();
    own.writeConfig({ restartBackoffMs: 2_000 }); // a backoff long enough to stop inside, and to outwait after
    try {
      await own.ok(['start', '--cwd', own.workdir('w'), '--name', 'b', '--restart', 'always', '--', process.execPath, fixture('exit-with.mjs'), '0']);
      await waitFor(async () => (await own.session('b')).state === 'restarting', 'the restart backoff');
      await own.ok(['stop', 'b']);
      const s = await own.session('b');
      assert.equal(s.state, 'stopped');
      const stoppedAt = Date.now();
      await waitFor(() => Date.now() > stoppedAt + 3_000, 'the backoff to have run out'); // time passing is the point
      const later = await own.session('b');
      assert.deepEqual([later.state, later.restarts, later.pid], ['stopped', s.restarts, null]);
    } finally {
      assert.deepEqual(await own.teardown(), []);
    }
  });

  it('rcd restart runs an ended session again in its directory, unless another live session holds it', async () => {
    const cwd = dir('manual');
    await rcd.ok(['start', '--cwd', cwd, '--name', 'manual', '--', process.execPath, fixture('exit-with.mjs'), '3']);
    await waitFor(async () => (await rcd.session('manual')).state === 'exited', 'the exit');
    await rcd.ok(['start', '--cwd', cwd, '--name', 'squatter', '--', process.execPath, fixture('forever.mjs')]);
    const refused = await rcd.run(['restart', 'manual']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /session squatter .* already works in/);
    assert.equal((await rcd.session('manual')).state, 'exited', 'a refused restart changes nothing');
    await rcd.ok(['stop', 'squatter']);
    const doc = JSON.parse(await rcd.ok(['restart', 'manual', '--json'])) as { id: string; state: string };
    assert.equal(doc.state, 'running');
    await waitFor(async () => ((await rcd.logs('manual')).match(/exiting with 3/g) ?? []).length === 2, 'the second run to write');
    const missing = await rcd.run(['restart', 'no-such-session']);
    assert.equal(missing.code, 1);
  });
});

describe('a daemon killed between a policy respawn and recording it', () => {
  it('the next daemon ends the unrecorded process before restoring: one process reads the session input', async () => {
    const rcd = new Rcd();
    rcd.writeConfig({ restartBackoffMs: 50 });
    try {
      const cwd = rcd.workdir('w');
      // The first run fails at once, so the policy respawns it; later runs are the echo agent.
      const script = '[ -e first-done ] || { touch first-done; exit 3; }; exec "$0" "$1"';
      // The daemon this command starts kills itself right after the respawn, before recording it.
      const id = (await rcd.ok(['start', '--cwd', cwd, '--name', 'half', '--restart', 'on-failure', '--', '/bin/sh', '-c', script, process.execPath, fixture('echo.mjs')], {
        env: { RCD_FAULT: 'crash-after-respawn' },
      })).trim();
      const daemon = rcd.daemonPid() as number;
      await waitFor(() => !isAlive(daemon), 'the daemon to die right after the respawn');
      const orphan = await waitFor(() => {
        const pid = Number.parseInt(readFileSync(join(rcd.home, 'sessions', id, 'agent.pid'), 'utf8'), 10);
        return isAlive(pid) ? pid : null;
      }, 'the respawned agent to run');
      const s = await rcd.session(id); // the next daemon, without the fault
      assert.equal(s.state, 'running');
      assert.notEqual(s.pid, orphan, 'a run the daemon knows');
      assert.equal(isAlive(orphan), false, 'the unrecorded process was ended first');
      await rcd.ok(['send', id, 'only once']);
      await waitFor(async () => (await rcd.logs(id)).includes('echo: only once'), 'the answer');
      assert.equal((await rcd.logs(id)).split('echo: only once').length - 1, 1, 'one process read the input');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

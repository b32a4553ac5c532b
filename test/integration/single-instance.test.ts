// Exactly one daemon per RCD_HOME, however many CLIs start at once; stale sockets and locks are cleaned up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, Rcd, isAlive, waitFor } from '../helpers/harness.js';

describe('single instance', () => {
  it('ten CLIs started at once share one daemon', async () => {
    const rcd = new Rcd();
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => rcd.run(['status', '--json'])));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const pids = new Set(results.map((r) => (JSON.parse(r.stdout) as { daemon: { pid: number } }).daemon.pid));
      assert.equal(pids.size, 1, 'every CLI talked to the same daemon');
      const [pid] = [...pids] as [number];
      // the losers of the race have exited: only the one daemon runs for this home
      await waitFor(() => rcd.leftovers().length === 1, 'the losing daemons to exit');
      assert.deepEqual(rcd.leftovers(), [pid]);
      const socket = (await rcd.status()).daemon.socket;
      assert.equal(statSync(socket).mode & 0o777, 0o600, 'socket is owner-only');
      assert.equal(statSync(rcd.home).mode & 0o777, 0o700, 'home is owner-only');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('`rcd daemon` refuses to start a second daemon and names the running one', async () => {
    const rcd = new Rcd();
    try {
      const pid = (await rcd.status()).daemon.pid;
      const r = spawnSync(process.execPath, [CLI, 'daemon'], { env: rcd.env, encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`already runs.*pid ${pid}`));
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a daemon killed with SIGKILL leaves a stale socket and pid file that the next start cleans up', async () => {
    const rcd = new Rcd();
    try {
      const first = (await rcd.status()).daemon.pid;
      process.kill(first, 'SIGKILL');
      await waitFor(() => !isAlive(first), 'the daemon to die');
      writeFileSync(join(rcd.home, 'daemon.pid'), `${first}\n`); // as a crash leaves it
      const second = (await rcd.status()).daemon.pid;
      assert.notEqual(second, first);
      assert.equal(rcd.daemonPid(), second);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('shutdown on SIGTERM exits 0 and removes the socket', async () => {
    const rcd = new Rcd();
    try {
      const { pid, socket } = (await rcd.status()).daemon;
      process.kill(pid, 'SIGTERM');
      await waitFor(() => !isAlive(pid), 'the daemon to exit');
      assert.throws(() => statSync(socket), /ENOENT/);
      const shutdown = await rcd.run(['shutdown']);
      assert.equal(shutdown.code, 0);
      assert.match(shutdown.stderr, /no rcd daemon is running/);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

// What the next daemon does with sessions it finds live in the database: a reboot restores them (fresh process,
// same identity, history kept, not a restart); a pid now owned by another process is never adopted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Rcd, fixture, isAlive, waitFor } from '../helpers/harness.js';

/** Kills a session's wrapper and agent at once, as a power cut would: no exit status gets written. */
async function killGroup(rcd: Rcd, id: string): Promise<void> {
  const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
  const row = db.prepare('SELECT wrapper_pid AS w, pid FROM sessions WHERE id = ?').get(id) as { w: number; pid: number };
  db.close();
  process.kill(-row.w, 'SIGKILL');
  await waitFor(() => !isAlive(row.pid) && !isAlive(row.w), 'the group to die');
}

describe('durability across daemon deaths', () => {
  it('restores a session after a reboot: same id, name and cwd, history kept, fresh process, no restart counted', async () => {
    const rcd = new Rcd();
    const bootFile = join(rcd.home, 'boot_id');
    writeFileSync(bootFile, 'boot-one\n');
    rcd.env.RCD_BOOT_ID_PATH = bootFile;
    try {
      const cwd = join(rcd.home, 'w');
      mkdirSync(cwd);
      const id = (await rcd.ok(['start', '--cwd', cwd, '--name', 'survivor', '--restart', 'no', '--', process.execPath, fixture('forever.mjs')])).trim();
      const old = await rcd.session(id);
      await waitFor(async () => (await rcd.logs(id)).includes(`forever ${old.pid}`), 'first output');
      // The machine goes down: daemon and agent die without a word, and the next boot has another id.
      process.kill(rcd.daemonPid() as number, 'SIGKILL');
      await killGroup(rcd, id);
      writeFileSync(bootFile, 'boot-two\n');

      const back = await waitFor(async () => {
        const s = await rcd.session(id);
        return s.state === 'running' && s.pid !== old.pid ? s : null;
      }, 'the session to be restored');
      assert.equal(back.id, old.id);
      assert.equal(back.name, 'survivor');
      assert.equal(back.cwd, old.cwd);
      assert.equal(back.restarts, 0, 'a restore after a reboot is not a restart');
      await waitFor(async () => (await rcd.logs(id)).includes(`forever ${back.pid}`), 'the new process to write');
      const logs = await rcd.logs(id);
      assert.ok(logs.startsWith(`forever ${old.pid}\n`), 'earlier output is kept, first');
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a session a dead daemon left starting is started afresh, and a pid file naming another process is left alone', async () => {
    const rcd = new Rcd();
    const stranger = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    try {
      const id = (await rcd.ok(['start', '--cwd', rcd.workdir('w'), '--name', 'st', '--', process.execPath, fixture('echo.mjs')])).trim();
      const daemon = rcd.daemonPid() as number;
      process.kill(daemon, 'SIGKILL');
      await waitFor(() => !isAlive(daemon), 'the daemon to die');
      await killGroup(rcd, id);
      // As if the daemon had died while starting it: no pid recorded, and the pid file (the wrapper writes it
      // before the database hears of it) names a process that is not the session's, as after a reboot.
      const db = new Database(join(rcd.home, 'rcd.db'));
      db.prepare("UPDATE sessions SET state = 'starting', pid = NULL, pid_start = NULL WHERE id = ?").run(id);
      db.close();
      writeFileSync(join(rcd.home, 'sessions', id, 'agent.pid'), `${stranger.pid}\n`);
      const s = await rcd.session(id); // the next daemon
      assert.equal(s.state, 'running');
      assert.notEqual(s.pid, stranger.pid, 'a bare pid is never adopted');
      assert.ok(isAlive(stranger.pid as number), 'the unrelated process was not touched');
      await rcd.ok(['send', id, 'fresh']);
      await waitFor(async () => (await rcd.logs(id)).includes('echo: fresh'), 'the new run to answer');
    } finally {
      stranger.kill('SIGKILL');
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('a session stopped by the user stays stopped across a daemon restart', async () => {
    const rcd = new Rcd();
    try {
      const cwd = join(rcd.home, 'w');
      mkdirSync(cwd);
      await rcd.ok(['start', '--cwd', cwd, '--name', 'st', '--restart', 'always', '--', process.execPath, fixture('forever.mjs')]);
      rcd.writeConfig({ restartBackoffMs: 100 }); // a wrongful restart would come quickly
      await rcd.ok(['stop', 'st']);
      process.kill(rcd.daemonPid() as number, 'SIGKILL');
      const s = await rcd.session('st');
      assert.equal(s.state, 'stopped');
      assert.equal(s.pid, null);
      // ...and still is well past any restart backoff: nothing restarted it behind the status's back.
      const at = Date.now();
      await waitFor(() => Date.now() > at + 1_000, 'a restart backoff to pass'); // time passing is the point
      const later = await rcd.session('st');
      assert.deepEqual([later.state, later.pid, later.restarts], ['stopped', null, 0]);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('never adopts a recorded pid that now belongs to another process', async () => {
    const rcd = new Rcd();
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
    try {
      const cwd = join(rcd.home, 'w');
      mkdirSync(cwd);
      const id = (await rcd.ok(['start', '--cwd', cwd, '--name', 'p', '--', process.execPath, fixture('forever.mjs')])).trim();
      await rcd.ok(['shutdown']);
      await killGroup(rcd, id);
      // The recorded pid is now someone else's (as after pid reuse); only its start time tells.
      const db = new Database(join(rcd.home, 'rcd.db'));
      db.prepare('UPDATE sessions SET pid = ? WHERE id = ?').run(stranger.pid, id);
      db.close();

      const s = await waitFor(async () => {
        const x = await rcd.session(id);
        return x.state === 'running' ? x : null;
      }, 'the session to come back');
      assert.notEqual(s.pid, stranger.pid, 'the stranger was not adopted');
      assert.ok(isAlive(stranger.pid as number), 'and it was left alone');
    } finally {
      stranger.kill('SIGKILL');
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});

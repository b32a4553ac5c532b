// rcd keeps secrets (the sessions' environments) in its state directory and sends them over its control socket, so
// no other user's place is ever used: a socket directory another uid planted in the temp dir (a long RCD_HOME puts
// the socket there) or a socket planted in ours gets not a byte, from the CLI or the daemon; a shared or foreign
// state or relay data directory is refused with its mode left alone. The other user is `nobody`, via setpriv.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fnv1a64 } from '../../src/common/paths.js';
import { CLI, Rcd, fixture, isAlive, processesOf, waitFor, within } from '../helpers/harness.js';

const NOBODY = 65534;
const asNobody = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups'];
// Longer than the socket path limit (103 bytes) once `/rcd.sock` is added: the socket moves to the temp dir.
const LONG_NAME = 'h'.repeat(120);

interface Plant {
  rcd: Rcd;
  /** RCD_HOME: long, so the socket falls back to `<tmp>/rcd-<uid>/`. */
  home: string;
  env: NodeJS.ProcessEnv;
  /** A temp dir standing in for /tmp: world-writable and sticky, so `nobody` can make the socket's directory there. */
  tmp: string;
  socketDir: string;
  socket: string;
  /** Every byte a client sent the planted listener. */
  record: string;
  /** Starts the planted listener as `nobody`; resolves once it listens. */
  plant(): Promise<ChildProcess>;
}

async function withPlant(fn: (p: Plant) => Promise<void>): Promise<void> {
  const rcd = new Rcd('rcd-plant-');
  const tmp = mkdtempSync('/tmp/rcd-plant-tmp-');
  chmodSync(tmp, 0o1777);
  const home = join(rcd.home, LONG_NAME);
  const socketDir = join(tmp, `rcd-${process.getuid?.()}`);
  const env: NodeJS.ProcessEnv = { ...rcd.env, RCD_HOME: home, TMPDIR: tmp };
  delete env.XDG_RUNTIME_DIR;
  Object.assign(rcd.env, env);
  delete rcd.env.XDG_RUNTIME_DIR;
  // The fixture is copied where `nobody` can surely read it, whatever the checkout's permissions.
  const script = join(tmp, 'plant-socket.mjs');
  copyFileSync(fixture('plant-socket.mjs'), script);
  chmodSync(script, 0o644);
  const planted: ChildProcess[] = [];
  const p: Plant = {
    rcd, home, env, tmp, socketDir, socket: join(socketDir, `${fnv1a64(home)}.sock`), record: join(tmp, 'record'),
    async plant() {
      const child = spawn('setpriv', [...asNobody, process.execPath, script, p.socket, p.record], { stdio: ['ignore', 'pipe', 'pipe'] });
      planted.push(child);
      let out = '';
      let err = '';
      child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`the planted listener exited ${child.exitCode}: ${err}`);
        return out.includes('planted');
      }, 'the planted listener');
      assert.equal(lstatSync(p.socket).uid, NOBODY, 'the socket is another user\'s');
      return child;
    },
  };
  try {
    await fn(p);
  } finally {
    for (const child of planted) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await within(new Promise((r) => child.once('exit', r)), 5_000, 'the planted listener to exit');
      }
    }
    try {
      // Whatever the outcome, nothing may keep running for the long home (a daemon started there, its agents).
      if (processesOf(home).length > 0) await rcd.run(['shutdown']);
      await waitFor(() => processesOf(home).length === 0, 'no process of the long home', 5_000);
    } finally {
      for (const pid of processesOf(home)) process.kill(pid, 'SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
      assert.deepEqual(await rcd.teardown(), []);
    }
  }
}

const received = (p: Plant) => readFileSync(p.record, 'utf8');

describe('socket planting', () => {
  it('a socket directory another user made: rcd start refuses, exit 1, and sends it nothing', () =>
    withPlant(async (p) => {
      await p.plant();
      assert.equal(lstatSync(p.socketDir).uid, NOBODY);
      const r = await p.rcd.run(['start', '--cwd', p.rcd.workdir('w'), '--', process.execPath, fixture('echo.mjs')], { env: { API_KEY: 'sk-planted' } });
      assert.equal(received(p), '', 'the planted listener got nothing');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.includes(p.socketDir), `names the directory: ${r.stderr}`);
      assert.match(r.stderr, /another user/);
      assert.match(r.stderr, /RCD_HOME/);
      assert.match(r.stderr, /XDG_RUNTIME_DIR/);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
      assert.deepEqual(processesOf(p.home), [], 'no daemon was started next to the planted socket');
    }));

  it('the daemon refuses a socket directory another user made, before it binds', () =>
    withPlant(async (p) => {
      await p.plant();
      const r = spawnSync(process.execPath, [CLI, 'daemon'], { env: p.env, encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(p.socketDir), `names the directory: ${r.stderr}`);
      assert.match(r.stderr, /RCD_HOME/);
      assert.equal(lstatSync(p.socket).uid, NOBODY, 'the planted socket is left as it was, not replaced by ours');
      assert.equal(received(p), '');
    }));

  it('a socket another user planted in a directory of ours: the CLI refuses and sends it nothing', () =>
    withPlant(async (p) => {
      // Our directory, open for a moment (say, made with a loose umask long ago): the plant lands, then it is tightened.
      mkdirSync(p.socketDir);
      chmodSync(p.socketDir, 0o777);
      await p.plant();
      chmodSync(p.socketDir, 0o700);
      const r = await p.rcd.run(['status']);
      assert.equal(received(p), '', 'the planted listener got nothing');
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(p.socket), `names the socket: ${r.stderr}`);
      assert.match(r.stderr, /another user/);
    }));

  it('with nothing planted, the fallback directory is created private and used', () =>
    withPlant(async (p) => {
      const id = (await p.rcd.ok(['start', '--cwd', p.rcd.workdir('w'), '--', process.execPath, fixture('forever.mjs')])).trim();
      const st = lstatSync(p.socketDir);
      assert.deepEqual([st.isDirectory(), st.uid, st.mode & 0o777], [true, process.getuid?.(), 0o700]);
      const status = JSON.parse(await p.rcd.ok(['status', '--json'])) as { daemon: { socket: string; pid: number } };
      assert.equal(status.daemon.socket, p.socket);
      await p.rcd.ok(['stop', id]);
      await p.rcd.ok(['shutdown']);
      await waitFor(() => !isAlive(status.daemon.pid), 'the daemon to exit');
    }));
});

describe('private state directories', () => {
  it('refuses an RCD_HOME other users can enter, and leaves its mode alone', async () => {
    const rcd = new Rcd('rcd-shared-');
    const shared = mkdtempSync('/tmp/rcd-shared-home-');
    try {
      chmodSync(shared, 0o1777);
      const r = await rcd.run(['status'], { env: { RCD_HOME: shared } });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(shared), r.stderr);
      assert.match(r.stderr, /1777/);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
      assert.equal(lstatSync(shared).mode & 0o7777, 0o1777, 'the shared directory keeps its mode');
      const d = spawnSync(process.execPath, [CLI, 'daemon'], { env: { ...rcd.env, RCD_HOME: shared }, encoding: 'utf8', timeout: 20_000 });
      assert.equal(d.status, 1, d.stderr);
      assert.match(d.stderr, /RCD_HOME/);
      assert.equal(lstatSync(shared).mode & 0o7777, 0o1777);
      assert.deepEqual(processesOf(shared), []);
    } finally {
      rmSync(shared, { recursive: true, force: true });
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('refuses a relay data directory that is not private, and leaves its mode alone', async () => {
    const rcd = new Rcd('rcd-shared-');
    try {
      const data = join(rcd.home, 'data');
      mkdirSync(data);
      chmodSync(data, 0o755);
      const r = await rcd.run(['relay', '--port', '0', '--data', data]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(data), r.stderr);
      assert.match(r.stderr, /0755/);
      assert.equal(lstatSync(data).mode & 0o777, 0o755);
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });
});
